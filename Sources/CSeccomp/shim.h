// libseccomp (Debian libseccomp-dev): the system calls a media child may not make.
#include <seccomp.h>
#include <sys/resource.h>
