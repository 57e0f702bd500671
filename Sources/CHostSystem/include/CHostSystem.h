#ifndef POSTERNPROXY_CHOSTSYSTEM_H
#define POSTERNPROXY_CHOSTSYSTEM_H

/*
 * glibc interfaces the host needs that Swift's Glibc module leaves out (they are declared only
 * with _GNU_SOURCE, or in <malloc.h>). Thread-safe: each is a plain system call or glibc call.
 */

/* A pipe whose both ends are close-on-exec from the start, so no child spawned meanwhile by
 * another thread inherits an end: pipe2(fds, O_CLOEXEC). Returns 0, or -1 with errno set. */
int posternproxy_pipe_cloexec(int fds[2]);

/* Gives the calling thread a name (at most 15 bytes are kept), as ps and debuggers show it. */
void posternproxy_name_thread(const char *name);

/* Returns memory malloc holds but no longer uses to the system (malloc_trim(0)): for a
 * long-lived, mostly idle process after a burst of work. */
void posternproxy_release_free_memory(void);

/* Caps the number of malloc arenas (mallopt M_ARENA_MAX): a process with a few mostly idle
 * threads does not need one arena per thread. Call before starting threads. */
void posternproxy_limit_malloc_arenas(int count);

/* Gives every block of `bytes` or more a mapping of its own (mallopt M_MMAP_THRESHOLD), returned
 * to the system the moment it is freed. Setting it also stops glibc from raising the threshold
 * each time such a block is freed, which would put later megabyte buffers in the heap, where one
 * small block allocated beside them keeps their pages resident. Call before starting threads. */
void posternproxy_map_blocks_from(int bytes);

/* Leaves up to `bytes` of free memory at the top of the heap in place instead of giving it back
 * to the system at each free (mallopt M_TRIM_THRESHOLD). */
void posternproxy_trim_heap_above(int bytes);

/* Adds to `actions` (a posix_spawn_file_actions_t *) the closing of every descriptor from
 * `lowest` up in the child (posix_spawn_file_actions_addclosefrom_np), so a child gets none the
 * host inherited without close-on-exec. Returns 0 or an errno value. */
int posternproxy_spawn_close_from(void *actions, int lowest);

#endif
