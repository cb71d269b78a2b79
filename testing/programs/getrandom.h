/* getrandom's flags for proc_getrandom and proc_limits; musl 1.2.3's
 * <sys/random.h> lacks GRND_INSECURE. */
#ifndef ARAMID_GETRANDOM_H
#define ARAMID_GETRANDOM_H
#include <sys/random.h>
#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 1
#endif
#ifndef GRND_RANDOM
#define GRND_RANDOM 2
#endif
#ifndef GRND_INSECURE
#define GRND_INSECURE 4
#endif
#endif
