#!/guest/loop.sh
