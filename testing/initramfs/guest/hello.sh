#!/guest/script_exec -interp
