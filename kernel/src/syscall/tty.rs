//! Nothing: the tty ioctls are the console's own operations now
//! (`file::tty_ioctl`). This module stays only because the syscall
//! module list is edited elsewhere; remove it with its `mod` line.
