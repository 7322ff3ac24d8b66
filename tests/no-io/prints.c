/* A core file that prints: it must not compile (engine/no-io.h). */
#include "screen-private.h"

#include <stdio.h>

void core_prints (void);

void
core_prints (void)
{
  fprintf (stderr, "hello\n");
}
