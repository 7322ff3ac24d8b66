/* A core file that tries to read a file: it must not compile (engine/no-io.h). */
#include "doc.h"

gboolean core_reads_a_file (const char *path);

gboolean
core_reads_a_file (const char *path)
{
  char *data = NULL;
  gboolean ok = g_file_get_contents (path, &data, NULL, NULL);
  g_free (data);
  return ok;
}
