/* no-io.h: the engine core does no I/O, and the compiler holds it to that.
 *
 * Included last by every private header of the engine and screen/screen-private.h. Every core file
 * that includes either may not name these functions: opening, reading or listing files,
 * the environment, the clock, printing, running programs. The file helpers, which read
 * rule files, test suites and sanctions lists for the public API's *_file() and
 * *_path() functions (file.c, screen-file.c, suite-file.c), define EMBARGO_IO_ALLOWED
 * before their includes. (GLib's g_fopen, g_stat and the like are macros for the
 * functions poisoned here, so they are refused too.) The system headers that declare these functions are included
 * first, here, so that their declarations precede the poison and a later #include of
 * them (yaml.h includes stdio.h) is a no-op behind its include guard.
 */
#ifndef EMBARGO_NO_IO_H
#define EMBARGO_NO_IO_H
#ifndef EMBARGO_IO_ALLOWED
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#pragma GCC poison fopen freopen fdopen popen opendir fdopendir readdir scandir nftw
#pragma GCC poison stat lstat fstatat access readlink realpath chdir unlink rename mkdir
#pragma GCC poison g_file_get_contents g_file_set_contents g_file_test g_file_read_link
#pragma GCC poison g_dir_open open openat creat
#pragma GCC poison getenv secure_getenv g_getenv g_setenv g_get_environ g_get_home_dir
#pragma GCC poison time gettimeofday clock_gettime g_get_real_time g_get_current_time
#pragma GCC poison g_date_time_new_now g_date_time_new_now_local g_date_time_new_now_utc
#pragma GCC poison printf fprintf puts fputs putchar vprintf vfprintf g_print g_printerr
#pragma GCC poison system g_spawn_sync g_spawn_async g_spawn_command_line_sync
#endif
#endif /* EMBARGO_NO_IO_H */
