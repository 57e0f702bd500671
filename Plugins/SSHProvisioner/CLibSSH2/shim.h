/* libssh2 (Debian's libssh2-1-dev) for the SSH transport of the SSHProvisioner plugin. */
#include <libssh2.h>
