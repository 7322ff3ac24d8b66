/* file.c: rule files and directories from the file system. Built on the public API
 * (embargo_loader_add_data) the way lauxlib sits on Lua's core: the rest of the engine
 * never opens a file.
 *
 * Three promises are kept here (docs/reliability.md):
 *   - every read is bounded: a file, a FIFO, a device or standard input is read up to
 *     the limit plus one byte and refused there, whatever stat() says about it;
 *   - a directory is read whole or not at all: symbolic links to files and directories
 *     are followed (a loop, or a directory reached twice, is an error), a dangling link
 *     or anything that is neither a file nor a directory is an error, never a skip;
 *   - a lock file (embargo.lock at the root of a directory, written by embargo_lock_new())
 *     pins the files of the set: a missing, extra or altered file is an error.
 */
#define _POSIX_C_SOURCE 200809L
#include "file.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define LOCK_NAME "embargo.lock"
#define LOCK_MAGIC "embargo-lock 1"

static int
cmp_str_ptr (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* ---- bounded reading ---- */

gboolean
file_read_bounded (const char *path, gsize max, char **data, gsize *len, GError **error)
{
  FILE *f = strcmp (path, "-") == 0 ? stdin : fopen (path, "rb");
  const char *name = f == stdin ? "<stdin>" : path;
  if (f == NULL)
    {
      int err = errno;
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO, "%s: %s", path,
                   g_strerror (err));
      return FALSE;
    }
  /* A regular file is refused before it is read; anything else as soon as it passes. */
  struct stat st;
  if (fstat (fileno (f), &st) == 0 && S_ISREG (st.st_mode) && (guint64) st.st_size > max)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT,
                   "%s: error: input of %" G_GUINT64_FORMAT " bytes exceeds the limit of %zu",
                   name, (guint64) st.st_size, max);
      if (f != stdin)
        fclose (f);
      return FALSE;
    }
  GString *buf = g_string_new (NULL);
  char chunk[65536];
  gboolean over = FALSE;
  for (;;)
    {
      /* Never ask for more than the limit plus one byte in all. */
      gsize want = MIN (sizeof chunk, max - MIN (buf->len, max) + 1);
      size_t n = fread (chunk, 1, want, f);
      if (n == 0)
        break;
      if (buf->len + n > max)
        {
          over = TRUE;
          break;
        }
      g_string_append_len (buf, chunk, n);
    }
  int read_error = ferror (f) ? errno : 0;
  if (f != stdin)
    fclose (f);
  if (over)
    g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT,
                 "%s: error: input exceeds the limit of %zu bytes", name, max);
  else if (read_error || (f == stdin && ferror (stdin)))
    g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO, "%s: %s", name,
                 g_strerror (read_error ? read_error : EIO));
  if (over || read_error)
    {
      g_string_free (buf, TRUE);
      return FALSE;
    }
  *len = buf->len;
  *data = g_string_free (buf, FALSE);
  return TRUE;
}

/* ---- directories ---- */

static gboolean
is_yaml (const char *name)
{
  return g_str_has_suffix (name, ".yaml") || g_str_has_suffix (name, ".yml");
}

static gboolean
file_is_test_file (const char *name)
{
  return g_str_has_suffix (name, ".tests.yaml") || g_str_has_suffix (name, ".tests.yml");
}

typedef struct {
  GPtrArray *files;    /* relative paths of the rule files, sorted at the end */
  GHashTable *seen;    /* "dev:ino" of each directory read -> its path (owned) */
  GString *errors;     /* for a caller that wants them joined; NULL: report only */
  EmbargoLoader *ld;   /* errors are reported here too (may be NULL) */
  gboolean failed;
} Walk;

static void
walk_error (Walk *w, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
walk_error (Walk *w, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (w->ld)
    embargo_loader_add_error (w->ld, "E-IO", path, 0, 0, msg);
  g_string_append_printf (w->errors, "%s%s: error: %s [E-IO]", w->errors->len ? "\n" : "", path,
                          msg);
  w->failed = TRUE;
}

/* The first top-level key of the YAML text DATA that is 'rules' or 'lists', with its
 * 1-based position; FALSE when there is none (or the text does not parse: `embargo test`
 * reports that). */
static gboolean
find_rules_key (const char *data, gsize len, char key[8], unsigned *line, unsigned *col)
{
  yaml_parser_t parser;
  yaml_event_t ev;
  gboolean found = FALSE, done = FALSE, top_map = FALSE;
  int depth = 0;  /* of open collections */
  guint nth = 0; /* nodes seen inside the top collection: in a mapping, even ones are keys */
  if (!yaml_parser_initialize (&parser))
    return FALSE;
  yaml_parser_set_input_string (&parser, (const unsigned char *) data, len);
  while (!done && !found && yaml_parser_parse (&parser, &ev))
    {
      switch (ev.type)
        {
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
          if (depth == 0)
            top_map = ev.type == YAML_MAPPING_START_EVENT;
          else if (depth == 1)
            nth++;
          depth++;
          break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
          depth--;
          break;
        case YAML_SCALAR_EVENT:
          if (depth == 1 && top_map && nth % 2 == 0)
            {
              const char *s = (const char *) ev.data.scalar.value;
              if (strcmp (s, "rules") == 0 || strcmp (s, "lists") == 0)
                {
                  g_strlcpy (key, s, 8);
                  *line = (unsigned) ev.start_mark.line + 1;
                  *col = (unsigned) ev.start_mark.column + 1;
                  found = TRUE;
                }
            }
          /* fall through */
        case YAML_ALIAS_EVENT:
          if (depth == 1)
            nth++;
          break;
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_END_EVENT:
          done = TRUE;
          break;
        default:
          break;
        }
      yaml_event_delete (&ev);
    }
  yaml_parser_delete (&parser);
  return found;
}

/* A file named *.tests.yaml is skipped as a test file: one that holds rules or lists
 * would take them away without a word, so it is an error (E-RULES-IN-TESTS). */
static void
check_test_file (Walk *w, const char *path)
{
  const EmbargoLimits def = EMBARGO_LIMITS_INIT;
  const EmbargoLimits *lim = w->ld ? embargo_loader_get_limits (w->ld) : &def;
  g_autofree char *data = NULL;
  gsize len;
  char key[8];
  unsigned line, col;
  if (!file_read_bounded (path, lim->max_input_bytes, &data, &len, NULL)
      || !find_rules_key (data, len, key, &line, &col))
    return; /* `embargo test` reports a file it cannot read */
  g_autofree char *msg = g_strdup_printf ("a file named *.tests.yaml holds test cases and "
                                          "is not loaded as rules: its '%s' would be "
                                          "skipped; rename it (or move them to a rule file)",
                                          key);
  if (w->ld)
    embargo_loader_add_error (w->ld, "E-RULES-IN-TESTS", path, line, col, msg);
  g_string_append_printf (w->errors, "%s%s:%u:%u: error: %s [E-RULES-IN-TESTS]",
                          w->errors->len ? "\n" : "", path, line, col, msg);
  w->failed = TRUE;
}

/* Collects the rule files below DIR (relative paths, under REL), recursively. Hidden
 * entries are skipped; symbolic links are followed, each directory read once. */
static void
collect (Walk *w, const char *dir, const char *rel, guint depth)
{
  if (depth > 32)
    {
      walk_error (w, dir, "directories nested deeper than 32 levels");
      return;
    }
  GStatBuf st;
  if (g_stat (dir, &st) != 0)
    {
      walk_error (w, dir, "%s", g_strerror (errno));
      return;
    }
  g_autofree char *key = g_strdup_printf ("%ju:%ju", (uintmax_t) st.st_dev,
                                          (uintmax_t) st.st_ino);
  const char *before = g_hash_table_lookup (w->seen, key);
  if (before)
    {
      walk_error (w, dir, "is the directory '%s' again (a symbolic link loop, or two links "
                  "to one directory): its rules would be read twice", before);
      return;
    }
  g_hash_table_insert (w->seen, g_steal_pointer (&key), g_strdup (dir));
  GError *e = NULL;
  GDir *d = g_dir_open (dir, 0, &e);
  if (d == NULL)
    {
      walk_error (w, dir, "%s", e->message);
      g_error_free (e);
      return;
    }
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      if (name[0] == '.')
        continue;
      g_autofree char *full = g_build_filename (dir, name, NULL);
      g_autofree char *r = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);
      GStatBuf target;
      if (g_stat (full, &target) != 0)
        {
          /* A dangling link, or a file gone since the directory was listed: either way
           * rules that should be there are not. Only rule files and directories matter. */
          GStatBuf self;
          gboolean link = g_lstat (full, &self) == 0 && S_ISLNK (self.st_mode);
          if (is_yaml (name) || link)
            walk_error (w, full, "%s%s", link ? "dangling symbolic link: " : "",
                        g_strerror (errno));
          continue;
        }
      if (S_ISDIR (target.st_mode))
        collect (w, full, r, depth + 1);
      else if (file_is_test_file (name) && S_ISREG (target.st_mode))
        check_test_file (w, full);
      else if (!is_yaml (name) || file_is_test_file (name))
        continue;
      else if (!S_ISREG (target.st_mode))
        walk_error (w, full, "a rule file must be a regular file (this is a FIFO, a device "
                    "or a socket)");
      else
        g_ptr_array_add (w->files, g_steal_pointer (&r));
    }
  g_dir_close (d);
}

/* The rule files below DIR in load order, or NULL with every problem reported to LD (when
 * not NULL) and joined in ERROR. */
static GPtrArray *
list_dir (EmbargoLoader *ld, const char *dir, GError **error)
{
  Walk w = { g_ptr_array_new_with_free_func (g_free),
             g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free), g_string_new (NULL),
             ld, FALSE };
  collect (&w, dir, NULL, 0);
  g_hash_table_destroy (w.seen);
  if (!w.failed && w.files->len == 0)
    {
      g_autofree char *msg = g_strdup_printf ("no rule files (*.yaml) below this directory: an "
                                              "empty rule set decides nothing");
      if (ld)
        embargo_loader_add_error (ld, "E-EMPTY", dir, 0, 0, msg);
      g_string_append_printf (w.errors, "%s: error: %s [E-EMPTY]", dir, msg);
      w.failed = TRUE;
    }
  if (w.failed)
    {
      g_set_error_literal (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO, w.errors->str);
      g_string_free (w.errors, TRUE);
      g_ptr_array_free (w.files, TRUE);
      return NULL;
    }
  g_string_free (w.errors, TRUE);
  g_ptr_array_sort (w.files, (GCompareFunc) cmp_str_ptr);
  return w.files;
}

/* ---- lock files ---- */

typedef struct {
  char *path;     /* relative, as written */
  char hash[65];  /* lower-case hex */
  unsigned line;
  gboolean used;
} LockEntry;

typedef struct {
  char *source;   /* DIR/embargo.lock */
  char digest[72];
  GArray *files;  /* LockEntry */
} Lock;

static void
lock_entry_clear (gpointer p)
{
  g_free (((LockEntry *) p)->path);
}

static void
lock_free (Lock *l)
{
  if (l == NULL)
    return;
  g_free (l->source);
  g_array_free (l->files, TRUE);
  g_free (l);
}

static gboolean
is_hex64 (const char *s, gsize n)
{
  if (n != 64)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return TRUE;
}

/* Parses a lock file's text. Format (one item a line, '#' starts a comment line):
 *   embargo-lock 1
 *   digest sha256:HEX
 *   file sha256:HEX RELATIVE/PATH
 * Errors are reported to LD at the line. */
static Lock *
lock_parse (EmbargoLoader *ld, const char *source, const char *data, gsize len)
{
  Lock *l = g_new0 (Lock, 1);
  l->source = g_strdup (source);
  l->files = g_array_new (FALSE, TRUE, sizeof (LockEntry));
  g_array_set_clear_func (l->files, lock_entry_clear);
  gboolean ok = TRUE, magic = FALSE;
  if (memchr (data, '\0', len) || !g_utf8_validate (data, len, NULL))
    {
      embargo_loader_add_error (ld, "E-LOCK", source, 1, 1, "the lock file is not UTF-8 text");
      lock_free (l);
      return NULL;
    }
  g_autofree char *text = g_strndup (data, len);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *s = lines[i];
      unsigned line = i + 1;
      if (s[0] == '\0' || s[0] == '#')
        continue;
      if (!magic)
        {
          magic = strcmp (s, LOCK_MAGIC) == 0;
          if (!magic)
            {
              embargo_loader_add_error (ld, "E-LOCK", source, line, 1,
                                "a lock file starts with '" LOCK_MAGIC "'");
              ok = FALSE;
              break;
            }
          continue;
        }
      if (g_str_has_prefix (s, "digest sha256:") && is_hex64 (s + 14, strlen (s + 14))
          && l->digest[0] == '\0')
        g_strlcpy (l->digest, s + 7, sizeof l->digest);
      else if (g_str_has_prefix (s, "file sha256:") && strlen (s) > 12 + 64 + 1
               && is_hex64 (s + 12, 64) && s[76] == ' ' && s[77] != '\0')
        {
          LockEntry e = { g_strdup (s + 77), { 0 }, line, FALSE };
          memcpy (e.hash, s + 12, 64);
          g_array_append_val (l->files, e);
        }
      else
        {
          embargo_loader_add_error (ld, "E-LOCK", source, line, 1,
                            "not a lock line: expected 'digest sha256:HEX' (once) or "
                            "'file sha256:HEX PATH'");
          ok = FALSE;
        }
    }
  if (ok && (!magic || l->digest[0] == '\0'))
    {
      embargo_loader_add_error (ld, "E-LOCK", source, 1, 1, "the lock file has no 'digest' line");
      ok = FALSE;
    }
  if (!ok)
    {
      lock_free (l);
      return NULL;
    }
  return l;
}

static LockEntry *
lock_find (Lock *l, const char *rel)
{
  for (guint i = 0; i < l->files->len; i++)
    {
      LockEntry *e = &g_array_index (l->files, LockEntry, i);
      if (strcmp (e->path, rel) == 0)
        return e;
    }
  return NULL;
}

/* Reads DIR/embargo.lock when there is one: *LOCK is NULL when there is none. FALSE when
 * it is there but cannot be read or parsed (reported to LD). */
static gboolean
lock_read (EmbargoLoader *ld, const char *dir, Lock **lock)
{
  *lock = NULL;
  g_autofree char *path = g_build_filename (dir, LOCK_NAME, NULL);
  GStatBuf st;
  if (g_lstat (path, &st) != 0 && errno == ENOENT)
    return TRUE;
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GError) e = NULL;
  if (!file_read_bounded (path, embargo_loader_get_limits (ld)->max_input_bytes, &data, &len, &e))
    {
      embargo_loader_add_error (ld, e->code == EMBARGO_LOAD_ERROR_LIMIT ? "E-LIMIT" : "E-IO", path, 0, 0,
                     e->message);
      return FALSE;
    }
  *lock = lock_parse (ld, path, data, len);
  return *lock != NULL;
}

/* ---- loading ---- */

/* Reads PATH under the loader's input limit; on failure, records the error in the loader
 * (embargo_loader_add_error) so that embargo_loader_finish() fails even for a caller that ignores
 * ERROR. */
static char *
read_rule_file (EmbargoLoader *ld, const char *path, gsize *len, GError **error)
{
  char *data = NULL;
  GError *e = NULL;
  if (!file_read_bounded (path, embargo_loader_get_limits (ld)->max_input_bytes, &data, len, &e))
    {
      gboolean limit = e->code == EMBARGO_LOAD_ERROR_LIMIT;
      /* Diagnostics carry the path themselves: keep only the message. */
      const char *msg = e->message;
      if (g_str_has_prefix (msg, path) && g_str_has_prefix (msg + strlen (path), ": "))
        msg += strlen (path) + 2;
      if (g_str_has_prefix (msg, "error: "))
        msg += 7;
      embargo_loader_add_error (ld, limit ? "E-LIMIT" : "E-IO", path, 0, 0, msg);
      g_propagate_error (error, e);
      return NULL;
    }
  return data;
}

static gboolean
add_file (EmbargoLoader *ld, const char *path, GError **error)
{
  gsize len;
  g_autofree char *data = read_rule_file (ld, path, &len, error);
  return data && embargo_loader_add_data (ld, data, len, path, error);
}

static void
sha256_hex (const char *data, gsize len, char out[65])
{
  g_autofree char *h = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data,
                                                    len);
  memcpy (out, h, 65);
}

/* Adds the rule files FILES (relative to DIR) in order. With LOCK, each file's bytes as
 * read are checked against it before they reach the loader; files it lists that are not
 * there, and a digest that does not match its files, are errors too. */
static gboolean
add_dir_files (EmbargoLoader *ld, const char *dir, GPtrArray *files, Lock *lock,
               GError **error)
{
  gboolean ok = TRUE;
  GChecksum *digest = g_checksum_new (G_CHECKSUM_SHA256);
  for (guint i = 0; i < files->len; i++)
    {
      const char *rel = g_ptr_array_index (files, i);
      g_autofree char *full = g_build_filename (dir, rel, NULL);
      GError *e = NULL;
      gsize len = 0;
      g_autofree char *data = read_rule_file (ld, full, &len, &e);
      if (data && lock)
        {
          LockEntry *le = lock_find (lock, rel);
          char hash[65];
          sha256_hex (data, len, hash);
          guint64 n64 = GUINT64_TO_LE ((guint64) len);
          g_checksum_update (digest, (const guchar *) &n64, sizeof n64);
          g_checksum_update (digest, (const guchar *) data, len);
          g_autofree char *msg = NULL;
          if (le == NULL)
            msg = g_strdup_printf ("'%s' is not in %s: a file added since the lock was "
                                   "written (run 'embargo lock' after review)", rel, LOCK_NAME);
          else if ((le->used = TRUE, strcmp (le->hash, hash) != 0))
            msg = g_strdup_printf ("'%s' was altered since the lock was written: its SHA-256 is "
                                   "%s, the lock says %s", rel, hash, le->hash);
          if (msg)
            {
              embargo_loader_add_error (ld, "E-LOCK", le ? lock->source : full, le ? le->line : 0,
                                le ? 1 : 0, msg);
              g_set_error (&e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID, "%s: error: %s",
                           le ? lock->source : full, msg);
              g_clear_pointer (&data, g_free);
            }
        }
      if (data && !embargo_loader_add_data (ld, data, len, full, e ? NULL : &e))
        ok = FALSE;
      if (data == NULL)
        ok = FALSE;
      /* Keep going so that every file's problems are reported; the first error is the
       * one returned. */
      if (e && error && *error == NULL)
        g_propagate_error (error, e);
      else if (e)
        g_error_free (e);
    }
  if (lock)
    {
      for (guint i = 0; i < lock->files->len; i++)
        {
          LockEntry *le = &g_array_index (lock->files, LockEntry, i);
          if (le->used)
            continue;
          g_autofree char *msg = g_strdup_printf ("'%s' is in the lock but not in %s: a rule "
                                                  "file is missing", le->path, dir);
          embargo_loader_add_error (ld, "E-LOCK", lock->source, le->line, 1, msg);
          if (ok)
            g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID, "%s:%u:1: error: %s",
                         lock->source, le->line, msg);
          ok = FALSE;
        }
      g_autofree char *got = g_strdup_printf ("sha256:%s", g_checksum_get_string (digest));
      if (ok && strcmp (got, lock->digest) != 0)
        {
          g_autofree char *msg = g_strdup_printf ("the lock's digest %s is not the digest of "
                                                  "the files it lists (%s): the lock was edited",
                                                  lock->digest, got);
          embargo_loader_add_error (ld, "E-LOCK", lock->source, 0, 0, msg);
          g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID, "%s: error: %s",
                       lock->source, msg);
          ok = FALSE;
        }
    }
  g_checksum_free (digest);
  return ok;
}

gboolean
embargo_loader_add_path (EmbargoLoader *loader, const char *path, GError **error)
{
  g_return_val_if_fail (loader != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int err = errno;
      GStatBuf self;
      gboolean link = g_lstat (path, &self) == 0 && S_ISLNK (self.st_mode);
      const char *msg = err == ENOENT && !link ? "no such file or directory" : g_strerror (err);
      g_autofree char *full = g_strdup_printf ("%s%s", link ? "dangling symbolic link: " : "",
                                               msg);
      embargo_loader_add_error (loader, "E-IO", path, 0, 0, full);
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO, "%s: %s", path, full);
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    return add_file (loader, path, error);

  g_autoptr (GPtrArray) files = list_dir (loader, path, error);
  if (files == NULL)
    return FALSE;
  Lock *lock = NULL;
  if (!lock_read (loader, path, &lock))
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                   "%s/" LOCK_NAME ": error: the lock file is not valid", path);
      return FALSE;
    }
  gboolean ok = add_dir_files (loader, path, files, lock, error);
  lock_free (lock);
  return ok;
}

char *
embargo_lock_new (const char *dir, const EmbargoLimits *limits, char **digest, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  if (digest)
    *digest = NULL;
  GStatBuf st;
  if (g_stat (dir, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO,
                   "%s: not a directory: a lock pins the rule files of a directory", dir);
      return NULL;
    }
  EmbargoLoader *ld = embargo_loader_new (limits);
  GString *out = g_string_new ("# " LOCK_NAME ": the rule files of this directory and their "
                               "SHA-256, written by\n# 'embargo lock'. While it is here, a "
                               "missing, extra or altered rule file is an\n# error "
                               "(docs/reliability.md, \"Pinning a rule set\").\n" LOCK_MAGIC
                               "\n");
  GString *lines = g_string_new (NULL);
  GPtrArray *files = list_dir (ld, dir, error);
  for (guint i = 0; files && i < files->len; i++)
    {
      const char *rel = g_ptr_array_index (files, i);
      g_autofree char *full = g_build_filename (dir, rel, NULL);
      gsize len;
      g_autofree char *data = read_rule_file (ld, full, &len, NULL);
      if (data == NULL)
        continue;
      if (strchr (rel, '\n'))
        {
          embargo_loader_add_error (ld, "E-LOCK", full, 0, 0, "a file name with a line break cannot be locked");
          continue;
        }
      char hash[65];
      sha256_hex (data, len, hash);
      g_string_append_printf (lines, "file sha256:%s %s\n", hash, rel);
      embargo_loader_add_data (ld, data, len, full, NULL);
    }
  if (files)
    g_ptr_array_free (files, TRUE);
  /* Only a rule set that loads is locked. */
  EmbargoRuleset *rs = files ? embargo_loader_finish (ld, error) : NULL;
  char *result = NULL;
  if (rs)
    {
      g_string_append_printf (out, "digest %s\n%s", embargo_ruleset_get_digest (rs), lines->str);
      if (digest)
        *digest = g_strdup (embargo_ruleset_get_digest (rs));
      result = g_string_free (g_steal_pointer (&out), FALSE);
    }
  if (out)
    g_string_free (out, TRUE);
  g_string_free (lines, TRUE);
  embargo_ruleset_unref (rs);
  embargo_loader_free (ld);
  return result;
}

EmbargoRuleset *
embargo_ruleset_new_from_paths (const char *const *paths, GError **error)
{
  g_return_val_if_fail (paths != NULL, NULL);
  EmbargoLoader *ld = embargo_loader_new (NULL);
  for (const char *const *p = paths; *p; p++)
    {
      GError *e = NULL;
      if (!embargo_loader_add_path (ld, *p, &e))
        {
          if (e->code == EMBARGO_LOAD_ERROR_IO)
            {
              g_propagate_error (error, e);
              embargo_loader_free (ld);
              return NULL;
            }
          g_error_free (e);
        }
    }
  EmbargoRuleset *rs = embargo_loader_finish (ld, error);
  embargo_loader_free (ld);
  return rs;
}
