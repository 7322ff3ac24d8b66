#!/usr/bin/env python3
"""Man pages and shell completion for embargo, from one source: the program's own help.

Usage: tools/gen-man.py EMBARGO_BINARY OUTDIR

Runs `embargo --help` for the commands and `embargo COMMAND --help` for each command's
usage, options, description, examples and exit status, and writes into OUTDIR:

  embargo.1, embargo-COMMAND.1   man pages (troff, man macros)
  embargo.bash                   bash completion (complete -F)
  _embargo                       zsh completion (#compdef)

The build runs it (tools/CMakeLists.txt), so the pages and completions always say what
the program accepts; a command or option added to the program appears in them without
further work. An option whose metavariable lists choices (text|json|html) completes to
them; PATH, FILE and DIR complete to file names.
"""
import os
import re
import subprocess
import sys


def run_help(binary, *args):
    env = dict(os.environ, LC_ALL="C.UTF-8", NO_COLOR="1", ASAN_OPTIONS="detect_leaks=0")
    out = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, env=env,
                         check=True)
    return out.stdout


def parse_main(text):
    """The commands (name, summary) and the version-independent description."""
    commands = []
    section = None
    for line in text.splitlines():
        if line == "Commands:":
            section = "commands"
            continue
        if not line.strip():
            section = None if section == "commands" else section
            continue
        m = re.match(r"^  (\S+)\s{2,}(.*)$", line)
        if section == "commands" and m:
            commands.append((m.group(1), m.group(2)))
    return commands


def parse_command(text):
    """A GLib help text: usage, options and the free text after them."""
    lines = text.splitlines()
    usage, options, tail = "", [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line == "Usage:" and i + 1 < len(lines):
            usage = lines[i + 1].strip()
            i += 2
            continue
        if line.endswith("Options:"):
            i += 1
            while i < len(lines) and lines[i].startswith("  "):
                m = re.match(r"^  (?:(-\w), )?(--[\w-]+)(?:=(\S+))?\s+(.*)$", lines[i])
                if m and m.group(2) != "--help":
                    options.append({"short": m.group(1), "long": m.group(2),
                                    "arg": m.group(3), "text": m.group(4)})
                i += 1
            continue
        if options or (usage and line and not line.endswith("Options:")):
            tail.append(line)
        i += 1
    # "check [OPTION…] FILE|-... — decide transactions, one decision each"
    usage = usage.replace("…", "...")
    synopsis, _, summary = usage.partition(" — ")
    if not summary:
        synopsis, _, summary = usage.partition(" - ")
    args = synopsis.split(" ", 1)[1] if " " in synopsis else ""
    return args, summary, options, "\n".join(tail).strip("\n")


def parse_subcommands(cmd, text):
    """A help that is not GLib's, for a command with subcommands:
    "Usage: embargo CMD SUB ..." lines, then paragraphs. Returns the synopsis lines
    (without "embargo CMD"), the subcommand names and the description."""
    synopsis, subs, rest = [], [], []
    for line in text.splitlines():
        m = re.match(r"^(?:Usage:)?\s*embargo " + re.escape(cmd) + r" (\S+)(.*)$", line)
        if m and not rest:
            synopsis.append(m.group(1) + m.group(2))
            subs.append(m.group(1))
        else:
            rest.append(line)
    return synopsis, subs, "\n".join(rest).strip("\n")


def roff(text):
    """Text for troff: backslashes, leading dots and quotes, hyphens of options."""
    text = text.replace("\\", "\\e").replace("…", "...").replace("—", "\\(em")
    text = re.sub(r"(?<![\w])-", r"\\-", text)
    out = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def split_tail(tail):
    """The free text of a help: description, examples, exit status, in that order."""
    desc, examples, status = [], [], []
    part = desc
    for para in re.split(r"\n\s*\n", tail):
        if para.startswith("Examples:") or para.startswith("Example:"):
            examples.extend(l.strip() for l in para.splitlines()[1:] if l.strip())
            part = desc
            continue
        if para.startswith("Exit status"):
            status.append(para)
            continue
        if part is examples or para.startswith("  embargo "):
            examples.extend(l.strip() for l in para.splitlines() if l.strip())
            continue
        part.append(para)
    return desc, examples, status


def page_header(name, section_title, version):
    return (f'.TH {name.upper()} 1 "" "embargo {version}" "{section_title}"\n')


def paragraphs(paras):
    return "".join(f".PP\n{roff(p)}\n" for p in paras)


def examples_block(examples):
    if not examples:
        return ""
    body = "\n".join(roff(e) for e in examples)
    return f".SH EXAMPLES\n.nf\n.RS\n{body}\n.RE\n.fi\n"


ENVIRONMENT = (".SH ENVIRONMENT\n.TP\n.B EMBARGO_RULES_DIR\n"
               "The rules used without \\fB\\-\\-rules\\fR; else the installed copy "
               "(\\fIshare/embargo/rules\\fR).\n"
               ".TP\n.B NO_COLOR\nWhen set to anything, no colour, unless "
               "\\fB\\-\\-color=always\\fR.\n")


def option_list(options):
    out = ""
    for o in options + [{"short": "-h", "long": "--help", "arg": None,
                         "text": "Show the options and examples"}]:
        names = (f"\\fB{roff(o['short'])}\\fR, " if o["short"] else "")
        names += f"\\fB{roff(o['long'])}\\fR"
        if o["arg"]:
            names += f"=\\fI{roff(o['arg'])}\\fR"
        out += f".TP\n{names}\n{roff(o['text'])}\n"
    return out


def command_page(cmd, summary, args, options, tail, commands, version, subs=()):
    """SUBS: (name, synopsis, summary, options, tail) of each subcommand, if any."""
    desc, examples, status = split_tail(tail)
    out = page_header(f"embargo-{cmd}", "embargo manual", version)
    out += f".SH NAME\nembargo\\-{cmd} \\- {roff(summary)}\n"
    out += ".SH SYNOPSIS\n"
    if subs:
        out += ".br\n".join(f".B embargo {cmd} {s[0]}\n{roff(s[1])}\n" for s in subs)
    else:
        out += f".B embargo {cmd}\n{roff(args)}\n"
    out += ".SH DESCRIPTION\n" + paragraphs(desc or [summary])
    if subs:
        for name, _, sub_summary, sub_options, sub_tail in subs:
            sub_desc, sub_examples, _ = split_tail(sub_tail)
            out += f".SH {cmd.upper()} {name.upper()}\n" + paragraphs([sub_summary] + sub_desc)
            out += ".SS Options\n" + option_list(sub_options)
            examples += sub_examples
    else:
        out += ".SH OPTIONS\n" + option_list(options)
    out += examples_block(examples)
    out += ".SH EXIT STATUS\n" + paragraphs(status or ["See embargo(1)."])
    out += ENVIRONMENT
    others = ", ".join(f"\\fBembargo\\-{c}\\fR(1)" for c, _ in commands if c != cmd)
    out += f".SH SEE ALSO\n\\fBembargo\\fR(1), {others}\n"
    return out


def main_page(main_help, commands, version):
    out = page_header("embargo", "embargo manual", version)
    out += ".SH NAME\nembargo \\- sanctions and export\\-control rules engine\n"
    out += ".SH SYNOPSIS\n.B embargo\n\\fICOMMAND\\fR [\\fIOPTION\\fR...]\n.br\n"
    out += ".B embargo\n\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n"
    out += (".SH DESCRIPTION\n.PP\nembargo decides, for a proposed transaction (buyer, "
            "seller, end user, items, destination, date), whether it complies with "
            "sanctions and export controls, and which rule decides, with its legal "
            "citation. Rules are YAML files; the bundled packs are used unless "
            "\\fB\\-\\-rules\\fR names others.\n")
    out += ".SH COMMANDS\n"
    for cmd, summary in commands:
        out += f".TP\n\\fBembargo {cmd}\\fR\n{roff(summary)}; see \\fBembargo\\-{cmd}\\fR(1).\n"
    out += (".SH OPTIONS\n.TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nShow the commands; "
            "\\fBembargo\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR shows a command's options.\n"
            ".TP\n\\fB\\-\\-version\\fR\nPrint the version.\n")
    _, examples, status = split_tail(main_help.split("Options:", 1)[-1])
    out += examples_block(examples)
    out += ".SH EXIT STATUS\n" + paragraphs(status)
    out += ENVIRONMENT
    out += ".SH SEE ALSO\n" + ", ".join(f"\\fBembargo\\-{c}\\fR(1)" for c, _ in commands) + "\n"
    return out


def choices(arg):
    return arg.split("|") if arg and "|" in arg else None


def is_path(arg):
    return bool(arg) and re.search(r"PATH|FILE|DIR", arg) is not None


def bash_completion(commands, specs, subcommands):
    out = ["# bash completion for embargo: generated from `embargo --help` by tools/gen-man.py",
           "_embargo() {",
           "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}",
           "  if ((COMP_CWORD == 1)); then",
           "    COMPREPLY=($(compgen -W '%s --help --version' -- \"$cur\"))"
           % " ".join(c for c, _ in commands),
           "    return",
           "  fi",
           "  local opts='' value=''",
           "  if [[ $cur == --*=* ]]; then prev=${cur%%=*}; value=1; cur=${cur#*=}; fi",
           "  case ${COMP_WORDS[1]} in"]
    for cmd, _ in commands:
        options = specs[cmd]
        words = []
        for o in options:
            words.append(o["long"] + ("=" if o["arg"] else ""))
            if o["short"]:
                words.append(o["short"])
        words.append("--help")
        out.append(f"  {cmd})")
        if subcommands.get(cmd):
            out.append("    if ((COMP_CWORD == 2)); then COMPREPLY=($(compgen -W '%s' -- \"$cur\"));"
                       " return; fi" % " ".join(subcommands[cmd]))
        out.append(f"    opts='{' '.join(words)}'")
        out.append("    case $prev in")
        for o in options:
            names = "|".join(n for n in (o["short"], o["long"]) if n)
            c = choices(o["arg"])
            if c:
                out.append(f"    {names}) COMPREPLY=($(compgen -W '{' '.join(c)}' -- \"$cur\"));"
                           " return ;;")
            elif is_path(o["arg"]):
                out.append(f"    {names}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;")
            elif o["arg"]:
                out.append(f"    {names}) COMPREPLY=(); return ;;")
        out.append("    esac ;;")
    out += ["  esac",
            "  [[ -n $value ]] && { COMPREPLY=(); return; }",
            "  if [[ $cur == -* ]]; then",
            "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))",
            "    [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null",
            "  else",
            "    COMPREPLY=($(compgen -f -- \"$cur\"))",
            "  fi",
            "}",
            "complete -o filenames -F _embargo embargo",
            ""]
    return "\n".join(out)


def zsh_quote(s):
    return s.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[") \
            .replace("]", "\\]").replace(":", "\\:")


def zsh_completion(commands, specs, subcommands):
    out = ["#compdef embargo",
           "# zsh completion for embargo: generated from `embargo --help` by tools/gen-man.py",
           "_embargo() {",
           "  local -a commands",
           "  commands=("]
    for cmd, summary in commands:
        out.append(f"    '{cmd}:{zsh_quote(summary)}'")
    out += ["  )",
            "  if ((CURRENT == 2)); then",
            "    _describe -t commands 'embargo command' commands",
            "    return",
            "  fi",
            "  case $words[2] in"]
    for cmd, _ in commands:
        args = []
        for o in specs[cmd]:
            desc = zsh_quote(o["text"])
            c = choices(o["arg"])
            action = ""
            if o["arg"]:
                meta = zsh_quote(o["arg"])
                act = f"({' '.join(c)})" if c else ("_files" if is_path(o["arg"]) else " ")
                action = f":{meta}:{act}"
            if o["short"]:
                args.append(f"'{o['short']}[{desc}]{action}'")
            args.append(f"'{o['long']}{'=' if o['arg'] else ''}[{desc}]{action}'")
        if subcommands.get(cmd):
            args.append(f"'1:subcommand:({' '.join(subcommands[cmd])})'")
        args.append("'*:file:_files'")
        out.append(f"    {cmd}) _arguments -S \\")
        out.append("        " + " \\\n        ".join(args) + " ;;")
    out += ["  esac",
            "}",
            "_embargo \"$@\"",
            ""]
    return "\n".join(out)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, LC_ALL="C.UTF-8")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, env=env,
                             check=True).stdout.split()[-1]
    main_help = run_help(binary)
    commands = parse_main(main_help)
    specs, subcommands = {}, {}
    files = {"embargo.1": main_page(main_help, commands, version)}
    for cmd, summary in commands:
        text = run_help(binary, cmd)
        args, usage_summary, options, tail = parse_command(text)
        subs = []
        if not options and not usage_summary:
            # Not GLib's help: a command of subcommands, each with its own.
            synopsis, names, tail = parse_subcommands(cmd, text)
            for name, syn in zip(names, synopsis):
                _, sub_summary, sub_options, sub_tail = parse_command(
                    run_help(binary, cmd, name))
                subs.append((name, syn[len(name):].strip(), sub_summary, sub_options,
                             sub_tail))
                options = options + [o for o in sub_options
                                     if o["long"] not in {x["long"] for x in options}]
        specs[cmd] = options
        subcommands[cmd] = [s[0] for s in subs]
        files[f"embargo-{cmd}.1"] = command_page(cmd, usage_summary or summary, args, options,
                                                 tail, commands, version, subs)
    files["embargo.bash"] = bash_completion(commands, specs, subcommands)
    files["_embargo"] = zsh_completion(commands, specs, subcommands)
    for name, text in files.items():
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
