/* fuzz.h: what the fuzz targets share with the replay driver.
 *
 * Each target defines LLVMFuzzerTestOneInput() as libFuzzer expects. Under clang the
 * target links with -fsanitize=fuzzer and libFuzzer supplies main(); under any other
 * compiler it links with replay.c, whose main() runs the target once over every file
 * named on its command line (directories are walked), so the normal test build still
 * replays the seed corpus and every regression input.
 */
#ifndef EMBARGO_FUZZ_H
#define EMBARGO_FUZZ_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Makes GLib criticals and warnings fatal: a g_return_if_fail() reached from input is
 * a bug the fuzzer must report, not a line of log. Call first in each target. */
static inline void
fuzz_setup (void)
{
  static gboolean done;
  if (!done)
    g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  done = TRUE;
}

#endif
