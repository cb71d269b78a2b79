# Read by the console shell before its first prompt in shell.toml's
# busybox-session case (/init's argument, as $ENV): a foreground job in its
# own process group, which the runner interrupts by typing ^C once the job
# has printed its line (the job prints it after it is the terminal's
# foreground group). The shell then abandons the rest of this file.
( echo "foreground job: waiting for ^C"; exec sleep 100 )
echo "not reached: the shell stops reading this file on SIGINT"
