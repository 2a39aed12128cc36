/* replay: runs a fuzz target's LLVMFuzzerTestOneInput on every file named (directories: every file in
 * them), without libFuzzer, so the committed corpus is replayed by any compiler in every build mode.
 * Prints "replayed N inputs" and exits 0 (a failed oracle check aborts). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long replayed;

static void replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    size_t cap = 4096, len = 0;
    uint8_t *data = malloc(cap);
    for (size_t n; data != NULL && (n = fread(data + len, 1, cap - len, f)) > 0;) {
        len += n;
        if (len == cap)
            data = realloc(data, cap *= 2);
    }
    fclose(f);
    if (data == NULL) {
        fprintf(stderr, "replay: out of memory\n");
        exit(2);
    }
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    replayed++;
}

static void replay_path(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        replay_file(path);
        return;
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        perror(path);
        exit(2);
    }
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char *child = malloc(strlen(path) + strlen(e->d_name) + 2);
        sprintf(child, "%s/%s", path, e->d_name);
        replay_path(child);
        free(child);
    }
    closedir(dir);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        replay_path(argv[i]);
    printf("replayed %ld inputs\n", replayed);
    return 0;
}
