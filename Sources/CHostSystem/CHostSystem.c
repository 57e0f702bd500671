#define _GNU_SOURCE
#include "CHostSystem.h"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <spawn.h>
#include <unistd.h>

int posternproxy_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

void posternproxy_name_thread(const char *name) {
    char shortened[16] = {0};
    for (int i = 0; i < 15 && name[i] != '\0'; i++) shortened[i] = name[i];
    pthread_setname_np(pthread_self(), shortened);
}

void posternproxy_release_free_memory(void) {
    malloc_trim(0);
}

void posternproxy_limit_malloc_arenas(int count) {
    mallopt(M_ARENA_MAX, count);
}

void posternproxy_map_blocks_from(int bytes) {
    mallopt(M_MMAP_THRESHOLD, bytes);
}

void posternproxy_trim_heap_above(int bytes) {
    mallopt(M_TRIM_THRESHOLD, bytes);
}

int posternproxy_spawn_close_from(void *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, lowest);
}
