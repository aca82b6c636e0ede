"""A deterministic synthetic "BPF Updates" archive, for benchmarks and scale tests.

`generate_archive(out_dir, target_documents, seed)` writes newsletter issue files shaped
like the real ones in `seeds/`: Markdown with YAML front matter, MDX (an `import` line
and a `<BlogAuthor .../>` component), and a few plain-text renderings with the links
lost. Each issue has highlights (with commit references such as
`7a12b5031c6b (sparc64: Add eBPF JIT., 2017-04-17)`), Presentations > Talks / Slides /
Videos, In case you missed it, Projects, a Random cool note and a long Patches list
in every shape the archive uses (`[PATCH net-next v2 1/5]`, `[V3 PATCH net-next 0/5]`,
`[PATCH][net-next]`, `PATCH bpf-next:`, `[llvm] r311567 - ...`, reports, a link whose
text is its URL, ...), with a series' parts nested under its cover letter and the same
series coming back in later issues with higher versions.

The generator knows the truth: for every file it records the documents the index will
make of it (one per issue, section with text of its own, link item, patch entry and
commit reference, as `index.documents` counts them) and, for every patch line, the
tree / version / part / total / RFC flag / kind it was written with. The truth is
returned (`GeneratedArchive.issues`) and written next to the issue folder as
`truth.json`.

Everything is a pure function of (seed, issue number): the same call always writes the
same bytes, and `new_issue_file(out_dir, number, seed)` writes the issue that would
follow an archive (its series continue the archive's ones) for the incremental-update
measurement.

    python bench/synthetic.py OUT_DIR --docs 10000 [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1
ISSUES_DIRNAME = "issues"
TRUTH_FILENAME = "truth.json"
FIRST_ISSUE = dt.date(2017, 4, 24)
EDITOR = "Alexander Alemayhu"

# --------------------------------------------------------------------------- vocabulary

# ~150 names; the first ones write most of the patches (Zipf weights below).
AUTHORS: tuple[str, ...] = (
    "Daniel Borkmann", "Alexei Starovoitov", "John Fastabend", "Jakub Kicinski",
    "Jesper Dangaard Brouer", "Martin KaFai Lau", "Yonghong Song", "Andrii Nakryiko",
    "Song Liu", "Stanislav Fomichev", "Quentin Monnet", "Toke Høiland-Jørgensen",
    "Björn Töpel", "Magnus Karlsson", "Maciej Fijałkowski", "Edward Cree", "David Ahern",
    "David Miller", "Eric Dumazet", "Mickaël Salaün", "Jiong Wang", "Roman Gushchin",
    "Lorenz Bauer", "Jakub Sitnicki", "KP Singh", "Hao Luo", "Kumar Kartikeya Dwivedi",
    "Joanne Koong", "Dave Marchevsky", "Alan Maguire", "Ilya Leoshkevich", "Jiri Olsa",
    "Eduard Zingerman", "Yafang Shao", "Hou Tao", "Xu Kuohai", "Lawrence Brakmo",
    "Craig Gallek", "Chenbo Feng", "Josef Bacik", "William Tu", "Jason Wang",
    "Tariq Toukan", "Saeed Mahameed", "Maxim Mikityanskiy", "Lorenzo Bianconi",
    "Ilias Apalodimas", "Alexander Lobakin", "Jonathan Lemon", "Ciara Loftus",
    "Kevin Laatz", "Sridhar Samudrala", "Prashant Bhole", "Toshiaki Makita",
    "Joel Fernandes", "Shubham Bansal", "David Daney", "Paul Chaignon", "Brenden Blanco",
    "Sargun Dhillon", "Teng Qin", "Andrey Ignatov", "Willem de Bruijn", "Paolo Abeni",
    "Florian Westphal", "Pablo Neira Ayuso", "Jiří Pírko", "Ido Schimmel", "Petr Machata",
    "Vlad Buslov", "Cong Wang", "Jamal Hadi Salim", "Neal Cardwell", "Yuchung Cheng",
    "Soheil Hassas Yeganeh", "Marcelo Ricardo Leitner", "Xin Long", "Nicolas Dichtel",
    "Stephen Hemminger", "Phil Sutter", "Eric Leblond", "Dan Carpenter", "Colin King",
    "Wei Yongjun", "Arnd Bergmann", "Masahiro Yamada", "Nathan Chancellor",
    "Nick Desaulniers", "Fangrui Song", "Jose E. Marchesi", "David Faust",
    "Cupertino Miranda", "Kees Cook", "Jann Horn", "Andy Lutomirski", "Christian Brauner",
    "Casey Schaufler", "Paul Moore", "Florent Revest", "Brendan Jackman", "Mark Rutland",
    "Will Deacon", "Catalin Marinas", "Naveen N. Rao", "Sandipan Das", "Christophe Leroy",
    "Luke Nelson", "Xi Wang", "Johan Almbladh", "Tiezhu Yang", "Pu Lehui", "Hengqi Chen",
    "Peter Zijlstra", "Masami Hiramatsu", "Steven Rostedt", "Arnaldo Carvalho de Melo",
    "Namhyung Kim", "Ian Rogers", "Viktor Malik", "Artem Savkov", "Daniel Xu",
    "Delyan Kratunov", "Benjamin Tissoires", "Kui-Feng Lee", "Amery Hung", "Jordan Rife",
    "Mykola Lysenko", "Manu Bretelle", "Anton Protopopov", "Dmitrii Dolgov",
    "Geliang Tang", "Menglong Dong", "Feng Zhou", "Yang Jihong", "Tobias Klauser",
    "Richard Weinberger", "Michael Ellerman", "Matt Redfearn", "Simon Horman",
    "Gaëtan Rivet", "Rafał Miłecki", "Zoltán Kiss", "Håkon Bugge", "Hervé Codina",
    "Sébastien Boeuf", "Łukasz Czapnik", "Íñigo Huguet", "Jesús Sánchez-Palencia",
    "Daniel Díaz", "Mathieu Xhonneux", "Ahmed Abdelsalam", "Thomas Graf", "Tom Herbert",
    "Shmulik Ladkani", "Christina Jacob", "Stefano Brivio", "Nikolay Aleksandrov",
)
# Spellings the archive also has for some of them (truncations, a lost accent).
AUTHOR_VARIANTS: dict[str, tuple[str, ...]] = {
    "Martin KaFai Lau": ("Martin KaFai La",),
    "Richard Weinberger": ("Richard Weinber",),
    "Daniel Díaz": ("Daniel Diaz",),
    "Toke Høiland-Jørgensen": ("Toke Hoiland-Jorgensen",),
    "Björn Töpel": ("Bjorn Topel",),
}

SUBSYSTEMS: tuple[str, ...] = (
    "bpf", "bpf", "bpf", "bpf", "xdp", "libbpf", "libbpf", "bpftool", "tools: bpftool",
    "selftests/bpf", "selftests/bpf", "samples/bpf", "bpf/verifier", "bpf, x86",
    "bpf, arm64", "bpf, s390", "bpf, sockmap", "bpf, sockmap", "net", "tcp", "nfp",
    "nfp: bpf", "mlx5e", "mlx4_en", "ixgbe", "i40e", "ice", "virtio-net", "veth", "tun",
    "net/sched", "cls_bpf", "act_bpf", "cgroup", "bpf: cgroup", "tracing", "perf",
    "kprobes", "lwt", "xsk", "af_xdp", "MIPS,bpf", "sparc64", "powerpc/bpf", "riscv, bpf",
    "arm, bpf", "tools lib bpf", "btf", "bpf, btf", "bpf, lsm", "landlock", "seccomp",
    "netfilter: xt_bpf", "strparser", "kcm", "ipv6", "bonding", "devmap", "cpumap",
)
VERBS: tuple[str, ...] = (
    "add", "add", "add", "fix", "fix", "fix", "remove", "introduce", "support", "allow",
    "track", "refactor", "implement", "extend", "convert", "inline", "reject", "harden",
    "document", "optimize", "rename", "export", "enable", "disable", "clean up",
    "simplify", "avoid", "handle", "use", "expose", "split", "move", "reuse", "restrict",
    "check", "verify", "relax", "limit", "cache", "skip", "propagate", "adjust", "improve",
    "teach the verifier about", "add tests for", "add a selftest for", "drop",
)
IDENTIFIERS: tuple[str, ...] = (
    "bpf_prog_attach", "bpf_prog_detach", "bpf_map_lookup_elem", "bpf_map_update_elem",
    "bpf_map_delete_elem", "bpf_xdp_adjust_head", "bpf_xdp_adjust_meta",
    "bpf_xdp_adjust_tail", "bpf_redirect_map", "bpf_perf_event_read_value",
    "bpf_get_stackid", "bpf_probe_read", "bpf_skb_load_bytes", "bpf_skb_store_bytes",
    "bpf_tail_call()", "bpf_sk_lookup_tcp", "bpf_sk_release", "bpf_spin_lock",
    "bpf_get_current_task", "bpf_ktime_get_ns", "bpf_trace_printk", "bpf_setsockopt",
    "bpf_getsockopt", "bpf_sock_ops_cb_flags_set", "bpf_msg_redirect_map",
    "bpf_sk_redirect_map", "bpf_skb_adjust_room", "bpf_fib_lookup", "bpf_prog_test_run",
    "bpf_obj_get_info_by_fd", "bpf_prog_get_fd_by_id", "bpf_btf_get_fd_by_id",
    "BPF_PROG_TEST_RUN", "BPF_PROG_LOAD", "BPF_MAP_TYPE_CPUMAP", "BPF_MAP_TYPE_DEVMAP",
    "BPF_MAP_TYPE_SOCKMAP", "BPF_MAP_TYPE_XSKMAP", "BPF_MAP_TYPE_LPM_TRIE",
    "BPF_MAP_TYPE_ARRAY_OF_MAPS", "BPF_MAP_TYPE_HASH_OF_MAPS", "BPF_MAP_TYPE_QUEUE",
    "BPF_MAP_TYPE_RINGBUF", "BPF_F_NUMA_NODE", "BPF_F_RDONLY", "BPF_ALU64", "BPF_JMP32",
    "BPF_XADD", "BPF_END", "XDP_REDIRECT", "XDP_TX", "XDP_PASS", "XDP_DROP",
    "XDP_ABORTED", "SK_SKB", "SK_MSG", "sk_buff", "__sk_buff", "xdp_buff", "xdp_md",
    "xdp_frame", "skb->len", "ndo_xdp_xmit", "ndo_bpf", "xdp_do_redirect",
    "xdp_do_flush_map", "dev_map_enqueue", "cpu_map_enqueue", "check_mem_access",
    "check_alu_op", "check_func_arg", "do_check", "adjust_reg_min_max_vals",
    "reg_bounds_sync", "mark_reg_unknown", "is_state_visited", "bpf_verifier_env",
    "bpf_prog_aux", "bpf_int_jit_compile", "bpf_prog_realloc", "bpf_prog_array",
    "cgroup_bpf_attach", "sock_ops", "sk_msg", "sock_map", "strp_data_ready",
    "smap_do_verdict", "tcp_bpf", "bpf_struct_ops", "btf_type", "bpf_iter", "bpf_link",
    "bpf_lsm", "fentry", "fexit", "kprobe_multi", "raw_tracepoint", "xsk_umem",
    "xsk_buff_pool", "map_get_next_key", "map_lookup_batch", "htab_map_update_elem",
    "array_map_gen_lookup", "trie_delete_elem", "test_verifier", "test_progs",
    "test_maps", "test_sockmap", "xdp_redirect_cpu", "xdp_monitor", "xdp1",
    "xdp_router_ipv4", "tc_l2_redirect", "test_tunnel_bpf.sh", "bpf.h", "libbpf.c",
    "bpf_helpers.h", "btf.c", "verifier.c", "syscall.c", "filter.c", "map_perf_test",
    "bpf_map_precharge_memlock", "dev_map_notification()", "virtnet_xdp_xmit()",
)
# Pieces of made-up identifiers: the long tail of a real vocabulary.
ID_HEADS: tuple[str, ...] = (
    "bpf", "xdp", "sk", "skb", "map", "prog", "btf", "xsk", "nfp", "mlx5", "htab", "tcp",
    "sock", "cgroup", "trace", "perf", "jit", "reg", "insn", "stack", "ring", "lpm", "dev",
    "cpu", "tun", "veth", "ice", "i40e", "smap", "strp", "kprobe", "uprobe", "lwt", "cls",
)
ID_MIDS: tuple[str, ...] = (
    "prog", "map", "elem", "buf", "ctx", "info", "ops", "link", "iter", "storage", "data",
    "meta", "frame", "queue", "pool", "umem", "desc", "state", "func", "arg", "ptr", "off",
)
ID_TAILS: tuple[str, ...] = (
    "attach", "detach", "lookup", "update", "delete", "alloc", "free", "init", "exit",
    "ops", "flags", "state", "info", "id", "fd", "len", "off", "xmit", "recv", "redirect",
    "flush", "verdict", "parse", "check", "fixup", "prepare", "release", "get", "set",
    "test", "dump", "load", "pin", "meta", "tail", "head", "room", "size", "mask", "cnt",
    "seq", "run", "array", "hash", "trie", "enqueue", "dequeue", "poll", "wake", "sync",
)
PHRASES: tuple[str, ...] = (
    "map-in-map support", "tail calls", "direct packet access", "generic XDP",
    "XDP redirect", "socket redirect", "LPM trie delete", "per-cpu maps", "32-bit ALU",
    "bounded loops", "BTF for kernel modules", "CO-RE relocations", "global data",
    "spin locks", "ring buffer", "task storage", "sk_storage", "cgroup local storage",
    "jump tables", "dead code elimination", "liveness analysis", "state pruning",
    "alignment tracking", "precision tracking", "stack depth", "constant blinding",
    "kallsyms", "hardware offload", "multi-prog support", "AF_XDP zero-copy",
    "XDP metadata", "TX timestamps", "tracepoints", "kprobe attach", "perf events",
    "timer callbacks", "dynptr", "kfuncs", "struct_ops", "netns cookies", "sockops",
    "TCP congestion control", "fentry/fexit", "BPF LSM", "batch ops", "mmapable arrays",
    "freplace", "trampolines", "XDP multi-buffer", "checksum offload", "VLAN offload",
    "sleepable programs", "BTF dedup", "skeletons", "light skeletons", "map pinning",
    "program IDs", "object names", "instruction dumps", "JIT disassembly", "bpf_link",
    "cgroup sock filters", "SO_REUSEPORT selection", "flow dissector", "lwt encap",
    "tunnel metadata", "xdp_buff to skb conversion", "devmap hash", "cpumap tracepoints",
)
TARGETS: tuple[str, ...] = (
    "XDP", "sockmap", "tc", "cgroup", "tracing", "LSM", "32-bit archs", "big endian",
    "arm64", "s390x", "the verifier", "offloaded programs", "BTF", "libbpf", "selftests",
    "sk_skb programs", "raw sockets", "the JIT", "nfp", "mlx5", "veth", "tun",
)
COVER_SUFFIXES: tuple[str, ...] = (
    "updates", "improvements", "fixes", "follow-ups", "support", "cleanups",
    "enhancements", "rework", "series", "infrastructure",
)
REPORT_TEMPLATES: tuple[str, ...] = (
    "EBPF-triggered WARNING at mm/percpu.c:{n} in v4-{k}-rc{r}",
    "KASAN: use-after-free Read in {ident}",
    "KASAN: slab-out-of-bounds Write in {ident}",
    "general protection fault in {ident}",
    "BUG: unable to handle kernel paging request in {ident}",
    "possible deadlock in {ident}",
    "WARNING in {ident}",
    "INFO: task hung in {ident}",
)
UNTAGGED_TEMPLATES: tuple[str, ...] = (
    "{sub}: initialize all callbacks",
    "{sub}: {verb} {ident}",
    "Re: {phrase} for {target}",
    "{phrase}: {verb} {ident}",
)
CONFERENCES: tuple[str, ...] = (
    "Netdev 2.1", "Netdev 2.2", "Netdev 0x12", "Netdev 0x13", "Netdev 0x14", "LPC 2018",
    "Linux Plumbers 2019", "Linux Plumbers 2020", "Kernel Recipes 2017",
    "Kernel Recipes 2019", "FOSDEM 2018", "FOSDEM 2020", "All Systems Go! 2017",
    "eBPF Summit 2020", "eBPF Summit 2021", "KubeCon EU 2019", "KubeCon NA 2021",
    "Open Source Summit NA 2018", "LinuxCon Japan 2017", "USENIX ATC '17", "SREcon18",
    "Velocity 2017", "DockerCon 2017", "P99 CONF 2022", "LSFMM 2019", "DevConf.CZ 2019",
    "FRNOG 28", "Cilium Community Meetup", "Lund Linux Con", "NetDev Conf 0x15",
)
COMPANIES: tuple[str, ...] = (
    "Facebook", "Cloudflare", "Netflix", "Google", "Isovalent", "Red Hat", "Netronome",
    "Mellanox", "Intel", "Datadog", "Shopify", "Sysdig", "Kinvolk", "Polar Signals",
    "Microsoft", "ByteDance", "Alibaba", "Tencent", "Seznam", "LinkedIn", "Uber", "6WIND",
    "Weaveworks", "Suricata", "Cilium", "Meta",
)
TALK_TEMPLATES: tuple[str, ...] = (
    "{conf} - A gentle introduction to [e]BPF",
    "{conf} - {phrase} in production at {company}",
    "{conf} - Accelerating {target} with XDP",
    "{conf}: {phrase} and {phrase2}",
    "{conf} - High-performance Linux monitoring with eBPF",
    "{conf} - Using BPF in Kubernetes",
    "{conf} - XDP in practice: {phrase}",
    "{conf} - {company} and BPF: lessons learned",
    "{conf} - Performance Analysis with BPF",
    "{conf} - Keynote By {person}",
    "{conf} - Introduction à eBPF",
    "{conf} - The road to {phrase}",
)
ARTICLE_TEMPLATES: tuple[str, ...] = (
    "eBPF, part {n}: {phrase}",
    "How {company} uses {phrase}",
    "An intro to using eBPF to filter packets in the Linux kernel",
    "{phrase}: a deep dive",
    "{n} things I learned about {phrase}",
    "Linux の BPF : ({n}) {phrase}",
    "Introducción a eBPF y {phrase}",
    "Debugging {target} with BCC",
    "Cilium v{n}.{m} released: {phrase}",
    "{phrase} and you...",
    "Tracing {ident} with bpftrace",
    "Writing XDP programs in Rust with {project}",
    "BPF ring buffer vs. perf buffer for {target}",
)
PROJECT_NAMES: tuple[str, ...] = (
    "grav", "ebpf_asm", "go-ebpf", "generic-ebpf", "bpftrace", "ply", "kubectl-trace",
    "tracee", "katran", "polycube", "xdp-tools", "libxdp", "pwru", "bpfman", "aya",
    "redbpf", "libbpf-rs", "ebpf-go", "bumblebee", "inspektor-gadget", "parca-agent",
    "kepler", "retsnoop", "bpftop", "xdp-cpumap-tc", "ebpf_exporter", "rbpf", "p4c-xdp",
)
PROJECT_OWNERS: tuple[str, ...] = (
    "cilium", "iovisor", "libbpf", "xdp-project", "aquasecurity", "facebookincubator",
    "epickrram", "solarflarecom", "andrewkroh", "YutaroHayakawa", "qmonnet", "netoptimizer",
    "anakryiko", "aya-rs", "cloudflare", "kinvolk", "isovalent", "polarsignals",
)
DESCRIPTION_SENTENCES: tuple[str, ...] = (
    "Great walk-through on writing a eBPF program.",
    "Beginner friendly overview of BPF.",
    "Nice talk focusing on some of the use cases of {phrase}.",
    "Interesting work on how to use BPF for {target}.",
    "Good overview on tracing with {ident}.",
    "The diagrams throughout are very informative and help get a overview of {phrase}.",
    "Short introductory talk to eBPF and {phrase}.",
    "Entertaining talk introducing BPF and highlighting some of the challenges.",
    "Worth checking out if you are interested in {target}.",
    "Closer look at one of the maps macros in BCC.",
    "Overview of bpf(2) with sections on the commands and map types.",
    "Covers {phrase} with code examples for {target}.",
    "{company} shares how they leverage BPF and XDP in production.",
    "Also nice to see links to the various upstream commits.",
    "The slides also have some code for {ident}.",
)
NOTE_QUOTES: tuple[str, ...] = (
    "eBPF is just a gateway drug to writing kernel code.",
    "The JSET cBPF instruction is for parsing DECNET packet headers.",
    "Debugging #eBPF: there is now an IDA processor available on GitHub.",
    "XDP: the fastest way to drop a packet is to never allocate an skb for it.",
    "If the verifier accepts it, it must be correct. Right?",
    "{ident} is my new favourite helper.",
    "Schedule is out! Dont miss this amazing event.",
)
HIGHLIGHT_TEMPLATES: tuple[str, ...] = (
    "A new iteration of the {phrase} series.",
    "{phrase} got merged.",
    "Multiple programs can now be attached to a cgroup.",
    "Generic metadata transfer from XDP into skb via new helper function `{ident}`.",
    "A new map type `{ident}` for XDP got merged.",
    "Bug fixes and tests for {target}.",
    "{company} upstreamed {phrase}.",
    "More fields added to `{ident}`.",
)
PROSE_SENTENCES: tuple[str, ...] = (
    "The BPF tooling is evolving and introspection is getting better.",
    "Being a XDP newbie is getting more pleasant by the day.",
    "The addition of {phrase} allows XDP programs to apply early filters to packets.",
    "With {phrase} it is now possible to use `{ident}` from {target}.",
    "The excuses for not trying out XDP are getting shorter.",
    "There is ongoing work to add {phrase} in iproute2, see the lists for more details.",
    "The Linux kernel merge window closed up last week and some BPF fixes landed.",
    "Also worth checking out the {phrase} documentation, which is really nice.",
    "Hopefully {phrase} will make it even easier for newbies to get started.",
    "You can test your programs with the new `{ident}` command.",
)
REPORT_WORDS = re.compile(
    r"\b(WARNING|BUG|KASAN|KMSAN|UBSAN|Oops|panic|general protection fault|INFO: task|"
    r"possible (?:circular )?(?:recursive )?locking|deadlock|use-after-free|"
    r"null-ptr-deref|Reported-by|syzbot)\b"
)

# Tree tokens as written, and the tree the index reports for them.
TREE_TOKENS: tuple[tuple[str, float], ...] = (
    ("net-next", 38), ("bpf-next", 30), ("net", 10), ("bpf", 10), ("iproute2", 3),
    ("iproute2-next", 1), ("ipsec-next", 1), ("nf-next", 1), ("mlx5-next", 1),
)
TREE_CANONICAL = {"iproute": "iproute2", "bpf-llvm": "llvm"}

# Patch-line shapes (how the subject's prefix is written), with weights.
SERIES_STYLES: tuple[tuple[str, float], ...] = (
    ("std", 60), ("vfirst", 12), ("treefirst", 12), ("Vfirst", 6), ("rfconly", 3),
    ("notree", 4), ("iproute2master", 1.5), ("iproute2next", 1.5),
)
SINGLE_STYLES: tuple[tuple[str, float], ...] = (
    ("std", 55), ("vfirst", 6), ("treefirst", 6), ("Vfirst", 3), ("notree", 5),
    ("brackets2", 2), ("Patch", 2), ("iproute", 1.5), ("unbracketed", 2), ("bpfllvm", 1),
    ("baretree", 2), ("stable", 1.5), ("llvm", 4), ("urllink", 1.5), ("iovisor", 1),
    ("untagged", 3), ("report", 2), ("rfcv", 1.5),
)
# Shapes that lose nothing when the link is lost (plain-text issues).
PLAIN_TEXT_STYLES = frozenset(
    {"std", "vfirst", "treefirst", "Vfirst", "rfconly", "notree", "iproute2master",
     "iproute2next", "brackets2", "Patch", "iproute", "unbracketed", "bpfllvm", "baretree",
     "stable", "llvm", "iovisor", "rfcv"}
)
FORMATS: tuple[tuple[str, float], ...] = (("md", 62), ("mdx", 33), ("txt", 5))
# Formats fixed for the first issues, so even a small archive has each of them.
FIXED_FORMATS = {1: "md", 2: "mdx", 4: "txt"}
# (style, tree, version, parts, rfc): the lines the first issue shows once each, e.g.
# `[PATCH net-next v7 00/10]`, `[V3 PATCH net-next 0/5]`, `[RFC net-next 0/2]`.
SHOWCASE: tuple[tuple[str, str, int, int, bool], ...] = (
    ("std", "net-next", 2, 5, False),
    ("std", "net-next", 7, 10, False),
    ("std", "bpf-next", 3, 12, True),
    ("vfirst", "net-next", 2, 8, False),
    ("treefirst", "net-next", 1, 9, False),
    ("treefirst", "net-next", 8, 5, False),
    ("Vfirst", "net-next", 3, 5, False),
    ("rfconly", "net-next", 1, 2, True),
    ("notree", "net", 1, 3, False),
    ("iproute2master", "iproute2", 1, 2, False),
    ("iproute2next", "net-next", 2, 0, False),
    ("std", "bpf", 1, 0, False),
    ("brackets2", "net-next", 1, 0, False),
    ("Patch", "net-next", 2, 0, False),
    ("iproute", "iproute", 2, 0, False),
    ("unbracketed", "bpf-next", 1, 0, False),
    ("bpfllvm", "bpf-llvm", 1, 0, False),
    ("baretree", "net-next", 1, 0, False),
    ("stable", "", 1, 0, False),
    ("llvm", "llvm", 1, 0, False),
    ("urllink", "llvm", 1, 0, False),
    ("iovisor", "", 1, 0, True),
    ("untagged", "", 1, 0, False),
    ("report", "", 1, 0, False),
    ("rfcv", "", 3, 0, True),
)
SERIES_WINDOW = 24  # a series lives at most this many issues after it starts

# --------------------------------------------------------------------------- results


@dataclass
class PatchTruth:
    """What the parser must read from one generated patch line."""

    author: str | None  # as written (a nested part inherits its cover letter's)
    subject: str  # without the prefix, backticks removed, as the parser reports it
    tree: str | None
    version: int | None
    part: int | None
    total: int | None
    rfc: bool
    kind: str  # patch, llvm-commit or report
    nested: bool
    url: str | None
    revision: str | None = None
    line: str = ""  # the line as written, for error messages


@dataclass
class IssueTruth:
    """One generated issue file and the documents the index makes of it."""

    file: str  # name inside the issues folder
    number: int
    date: str | None
    format: str  # md, mdx or txt
    documents: int
    kinds: dict[str, int]
    patches: list[PatchTruth] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for patch in data["patches"]:
            del patch["line"]  # only for messages; half the size of the file
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IssueTruth:
        patches = [PatchTruth(**patch) for patch in data.pop("patches", [])]
        return cls(patches=patches, **data)


@dataclass
class GeneratedArchive:
    """A generated archive: where its files are and what the index should make of them."""

    root: Path
    issue_dir: Path
    target: int
    seed: int
    issues: list[IssueTruth]

    @property
    def files(self) -> list[Path]:
        return [self.issue_dir / issue.file for issue in self.issues]

    @property
    def documents(self) -> int:
        """Documents the index makes of the whole archive."""
        return sum(issue.documents for issue in self.issues)

    @property
    def patches(self) -> int:
        return sum(len(issue.patches) for issue in self.issues)

    @property
    def last_number(self) -> int:
        return max((issue.number for issue in self.issues), default=0)

    def kinds(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for issue in self.issues:
            total.update(issue.kinds)
        return total

    def to_json(self) -> dict[str, Any]:
        return {
            "generator_version": GENERATOR_VERSION,
            "target": self.target,
            "seed": self.seed,
            "documents": self.documents,
            "issues": [issue.to_json() for issue in self.issues],
        }

    @classmethod
    def load(cls, root: Path) -> GeneratedArchive | None:
        """The archive generated earlier under `root`, or None if absent or stale."""
        try:
            data = json.loads((root / TRUTH_FILENAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("generator_version") != GENERATOR_VERSION:
            return None
        archive = cls(
            root=root,
            issue_dir=root / ISSUES_DIRNAME,
            target=int(data["target"]),
            seed=int(data["seed"]),
            issues=[IssueTruth.from_json(issue) for issue in data["issues"]],
        )
        on_disk = {path.name for path in archive.issue_dir.glob("*") if path.is_file()}
        if on_disk != {issue.file for issue in archive.issues}:
            return None
        return archive


# --------------------------------------------------------------------------- helpers


def _rng(seed: int, *parts: object) -> random.Random:
    """An independent random stream for one named purpose (stable across runs)."""
    return random.Random(":".join(str(part) for part in (seed, *parts)))


def _weighted(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


_AUTHOR_WEIGHTS = [1.0 / (rank + 1) ** 0.9 for rank in range(len(AUTHORS))]


def _author(rng: random.Random) -> str:
    return rng.choices(AUTHORS, weights=_AUTHOR_WEIGHTS)[0]


def _made_up_identifier(rng: random.Random) -> str:
    head, tail = rng.choice(ID_HEADS), rng.choice(ID_TAILS)
    if rng.random() < 0.45:
        return f"{head}_{rng.choice(ID_MIDS)}_{tail}"
    return f"{head}_{tail}"


def _identifier(rng: random.Random) -> str:
    return rng.choice(IDENTIFIERS) if rng.random() < 0.6 else _made_up_identifier(rng)


def _code(rng: random.Random, identifier: str) -> str:
    """An identifier as the newsletter writes it: usually in backticks."""
    return f"`{identifier}`" if rng.random() < 0.6 else identifier


def _fill(rng: random.Random, template: str) -> str:
    """Fill a template's {placeholders} from the vocabulary."""
    values = {
        "phrase": rng.choice(PHRASES),
        "phrase2": rng.choice(PHRASES),
        "ident": _identifier(rng),
        "target": rng.choice(TARGETS),
        "company": rng.choice(COMPANIES),
        "conf": rng.choice(CONFERENCES),
        "person": rng.choice(AUTHORS[:40]),
        "project": rng.choice(PROJECT_NAMES),
        "sub": rng.choice(SUBSYSTEMS),
        "verb": rng.choice(VERBS),
        "n": rng.randint(1, 9),
        "m": rng.randint(0, 20),
        "k": rng.randint(10, 19),
        "r": rng.randint(1, 8),
    }
    return template.format(**values)


def _subject(rng: random.Random) -> str:
    """A patch subject: `bpf: add `bpf_prog_attach` flags for sockmap`."""
    sub, verb = rng.choice(SUBSYSTEMS), rng.choice(VERBS)
    roll = rng.random()
    if roll < 0.45:
        obj = _code(rng, _identifier(rng))
    elif roll < 0.8:
        obj = rng.choice(PHRASES)
    else:
        obj = f"{rng.choice(PHRASES)} in {_code(rng, _identifier(rng))}"
    text = f"{sub}: {verb} {obj}"
    if rng.random() < 0.25:
        text += f" for {rng.choice(TARGETS)}"
    return text


def _cover_subject(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return _subject(rng)
    if roll < 0.8:
        return f"{rng.choice(PHRASES)} {rng.choice(COVER_SUFFIXES)}"
    if roll < 0.9:
        return f"{rng.choice(('Two', 'Three', 'Some', 'Misc'))} BPF {rng.choice(COVER_SUFFIXES)}"
    return f"{rng.choice(SUBSYSTEMS)}: {rng.choice(PHRASES)} {rng.choice(COVER_SUFFIXES)}"


def _clean(text: str) -> str:
    """What the parser makes of inline text: no backticks, single spaces."""
    return re.sub(r"[ \t\u00a0]+", " ", text.replace("`", "")).strip()


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def _sentences(rng: random.Random, pool: Sequence[str], count: int) -> str:
    return " ".join(_fill(rng, rng.choice(pool)) for _ in range(count))


def issue_date(number: int) -> dt.date:
    """The publication date of issue `number` (weekly from 2017-04-24)."""
    return FIRST_ISSUE + dt.timedelta(days=7 * (number - 1) + number % 3)


def _patch_url(rng: random.Random, number: int, kind: str = "patch") -> str:
    message = 430_000 + number * 900 + rng.randint(0, 899)
    host = rng.random()
    if host < 0.35:
        listname = rng.choice(("netdev", "netdev", "netdev", "xdp-newbies", "linux-api", "bpf"))
        return f"https://www.spinics.net/lists/{listname}/msg{message}.html"
    if host < 0.6:
        listname = rng.choice(("netdev", "netdev", "linux-kernel", "bpf"))
        return f"https://www.mail-archive.com/{listname}@vger.kernel.org/msg{message}.html"
    if host < 0.85:
        page = "cover" if kind == "cover" and rng.random() < 0.5 else "patch"
        patch_id = 750_000 + number * 2_000 + rng.randint(0, 1999)
        return f"https://patchwork.ozlabs.org/{page}/{patch_id}/"
    if host < 0.93:
        patch_id = 9_900_000 + number * 3_000 + rng.randint(0, 2999)
        return f"https://patchwork.kernel.org/patch/{patch_id}/"
    return f"https://lore.kernel.org/bpf/{_hex(rng, 12)}.{number}@example.com/"


# --------------------------------------------------------------------------- series


@dataclass(frozen=True)
class Series:
    """A patch (total == 0) or series, as it appears across the archive's issues."""

    key: str
    author: str
    style: str
    tree: str | None  # as written
    cover: str
    parts: tuple[str, ...]
    appearances: tuple[int, ...]  # issue numbers
    versions: tuple[int, ...]  # version at each appearance
    rfc_appearances: int  # the first N appearances are RFCs
    listed: tuple[bool, ...]  # whether each appearance lists the parts
    rfc_first: bool  # `[RFC PATCH ...]` rather than `[PATCH RFC ...]`
    pad: bool  # `00/10` rather than `0/10`


@dataclass
class PatchLine:
    """One rendered patch entry and its truth."""

    markdown: str
    plain: str | None  # None: this shape cannot be written without its link
    truth: PatchTruth


class SeriesPool:
    """Series of an archive: the ones started at each issue, built once and cached."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._started: dict[int, list[Series]] = {}

    def started_at(self, start: int) -> list[Series]:
        if start not in self._started:
            rng = _rng(self.seed, "count", start)
            count = rng.randint(20, 42)
            self._started[start] = [self._series(start, index) for index in range(count)]
            if start == 1:
                self._started[start] += self.showcase()
        return self._started[start]

    def showcase(self) -> list[Series]:
        """One entry of every patch-line shape (the first issue has them all)."""
        shown = []
        for index, (style, tree, version, total, rfc) in enumerate(SHOWCASE):
            series = self._series(1, 1000 + index)
            shown.append(
                replace(
                    series,
                    key=f"showcase.{index}",
                    style=style,
                    tree=_tree_for(style, tree),
                    parts=series.parts[:total] + tuple(
                        _subject(_rng(self.seed, "showcase", index, n))
                        for n in range(total - len(series.parts))
                    ),
                    appearances=(1,),
                    versions=(version,),
                    rfc_appearances=int(rfc),
                    listed=(True,),
                    pad=total >= 10,
                )
            )
        return shown

    def in_issue(self, number: int) -> list[tuple[Series, int]]:
        """(series, appearance index) for every series that shows up in issue `number`."""
        found = []
        for start in range(max(1, number - SERIES_WINDOW), number + 1):
            for series in self.started_at(start):
                if number in series.appearances:
                    found.append((series, series.appearances.index(number)))
        return found

    def _series(self, start: int, index: int) -> Series:
        rng = _rng(self.seed, "series", start, index)
        single = rng.random() < 0.45
        style = _weighted(rng, SINGLE_STYLES if single else SERIES_STYLES)
        author = _author(rng)
        if rng.random() < 0.03 and author in AUTHOR_VARIANTS:
            author = rng.choice(AUTHOR_VARIANTS[author])
        tree = _tree_for(style, _weighted(rng, TREE_TOKENS))
        one_off = style in ("llvm", "urllink", "iovisor", "untagged", "report", "stable")
        count = 1 if one_off else _weighted(
            rng, (("1", 55), ("2", 22), ("3", 12), ("4", 7), ("5", 4))
        )
        appearances = [start]
        for _ in range(int(count) - 1):
            appearances.append(appearances[-1] + rng.choice((1, 1, 1, 2, 2, 3, 4)))
        appearances = [number for number in appearances if number <= start + SERIES_WINDOW]
        first = 1 if rng.random() < 0.8 else rng.randint(2, 4)
        versions = [first]
        for _ in appearances[1:]:
            versions.append(versions[-1] + (2 if rng.random() < 0.1 else 1))
        total = 0 if single else rng.choice((2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 12, 15))
        parts = tuple(_subject(rng) for _ in range(total))
        rfc = style == "rfconly" or (style not in ("stable",) and rng.random() < 0.1)
        return Series(
            key=f"{start}.{index}",
            author=author,
            style=style,
            tree=tree,
            cover=_subject(rng) if single else _cover_subject(rng),
            parts=parts,
            appearances=tuple(appearances),
            versions=tuple(versions),
            rfc_appearances=rng.randint(1, len(appearances)) if rfc else 0,
            listed=tuple(rng.random() < 0.75 for _ in appearances),
            rfc_first=rng.random() < 0.5,
            pad=total >= 10 and rng.random() < 0.5,
        )


def _tree_for(style: str, tree: str) -> str | None:
    """The tree token a style writes (some styles name a fixed one, or none)."""
    if style in ("iproute", "iproute2master", "iproute2next"):
        return {"iproute": "iproute", "iproute2master": "iproute2"}.get(style, "net-next")
    if style in ("notree", "stable", "llvm", "urllink", "iovisor", "untagged", "report", "rfcv"):
        return None
    if style == "bpfllvm":
        return "bpf-llvm"
    return tree


def _prefix(series: Series, version: int | None, part: int | None, total: int | None,
            rfc: bool) -> tuple[str, dict[str, Any]]:
    """The bracketed prefix of a subject in the series' style, and what it says."""
    style, tree = series.style, series.tree
    truth: dict[str, Any] = {
        "tree": TREE_CANONICAL.get(tree, tree) if tree else None,
        "version": version,
        "part": part,
        "total": total,
        "rfc": rfc,
    }
    if part is not None and total is not None:
        width = len(str(total)) if style == "stable" else (2 if series.pad else 1)
        numbers = [f"{part:0{width}d}/{total}"]
    else:
        numbers = []
    v_lower = [f"v{version}"] if version else []
    patch = ["RFC", "PATCH"] if rfc and series.rfc_first else (
        ["PATCH", "RFC"] if rfc else ["PATCH"]
    )
    tree_tokens = [tree] if tree else []
    if style == "std":
        tokens = patch + tree_tokens + v_lower + numbers
    elif style == "vfirst":
        tokens = patch + v_lower + tree_tokens + numbers
    elif style == "treefirst":
        tokens = tree_tokens + ([f"V{version}"] if version else []) + patch + numbers
    elif style == "Vfirst":
        tokens = ([f"V{version}"] if version else []) + patch + tree_tokens + numbers
    elif style == "rfconly":
        tokens = (["RFC"] if rfc else ["PATCH"]) + tree_tokens + v_lower + numbers
    elif style == "notree":
        tokens = patch + v_lower + numbers
    elif style == "iproute2master":
        tokens = patch + ["iproute2", "-master"] + v_lower + numbers
    elif style == "iproute2next":
        tokens = patch + ["iproute2", "net-next"] + v_lower + numbers
        truth["tree"] = "iproute2"
    elif style == "brackets2":
        truth.update(version=None, rfc=False)
        return f"[PATCH][{tree}]", truth
    elif style == "Patch":
        truth["rfc"] = False
        return "[" + " ".join(["Patch", tree or "net", *v_lower]) + "]", truth
    elif style == "iproute":
        truth["rfc"] = False
        return "[" + " ".join(["iproute", "PATCH", *v_lower]) + "]", truth
    elif style == "unbracketed":
        truth.update(version=None, rfc=False)
        return f"PATCH {tree}:", truth
    elif style == "bpfllvm":
        truth.update(version=None, rfc=False)
        return "[PATCH, bpf-llvm]", truth
    elif style == "baretree":
        truth.update(version=None, rfc=False)
        return f"[{tree}]", truth
    elif style == "rfcv":
        truth.update(rfc=True, version=version or 2)
        return f"[PATCH RFC v{version or 2}]", truth
    elif style == "stable":
        tokens = ["PATCH", "4.14"] + numbers
        truth.update(version=None, rfc=False)
    else:  # pragma: no cover - every style is handled above
        raise ValueError(style)
    return "[" + " ".join(tokens) + "]", truth


def _line(author: str | None, text: str, url: str | None, *, comma: bool = True) -> str:
    """`- Author, [text](url)` (or a nested `[text](url)` when there is no author)."""
    link = f"[{text}]({url})" if url else text
    if author is None:
        return link
    return f"{author}{',' if comma else ''} {link}"


def _with_line(markdown: str, plain: str | None, truth: PatchTruth) -> PatchLine:
    truth.line = markdown
    return PatchLine(markdown, plain, truth)


def _special_line(series: Series, rng: random.Random, number: int) -> PatchLine:
    """The one-off shapes: llvm commits, URL links, iovisor RFCs, untagged, reports."""
    style, author = series.style, series.author
    base = dict(author=author, version=None, part=None, total=None, nested=False)
    if style in ("llvm", "urllink"):
        revision = 300_000 + number * 700 + rng.randint(0, 699)
        if rng.random() < 0.5:
            url = f"http://llvm.org/viewvc/llvm-project?rev={revision}&view=rev"
        else:
            url = f"http://llvm.org/viewvc/llvm-project?view=revision&revision={revision}"
        if style == "urllink":
            truth = PatchTruth(subject=url, tree="llvm", rfc=False, kind="llvm-commit",
                               url=url, revision=f"r{revision}", **base)
            return _with_line(_line(author, url, url), None, truth)
        subject = _subject(rng)
        if not subject.startswith("bpf"):
            subject = "bpf: " + subject.split(": ", 1)[-1]
        text = f"[llvm] r{revision} - {subject}"
        truth = PatchTruth(subject=_clean(subject), tree="llvm", rfc=False, kind="llvm-commit",
                           url=url, revision=f"r{revision}", **base)
        return _with_line(_line(author, text, url), _clean(f"{author}, {text}"), truth)
    if style == "iovisor":
        month = issue_date(number).strftime("%Y-%B")
        url = (
            f"https://lists.iovisor.org/pipermail/iovisor-dev/{month}/"
            f"00{rng.randint(1000, 9999)}.html"
        )
        subject = series.cover
        text = f"[iovisor-dev] [RFC] {subject}"
        truth = PatchTruth(subject=_clean(subject), tree=None, rfc=True, kind="patch", url=url,
                           **base)
        return _with_line(_line(author, text, url), _clean(f"{author}, {text}"), truth)
    url = _patch_url(rng, number)
    if style == "report":
        subject = _fill(rng, rng.choice(REPORT_TEMPLATES))
        truth = PatchTruth(subject=subject, tree=None, rfc=False, kind="report", url=url, **base)
        return _with_line(_line(author, subject, url), None, truth)
    # untagged: a subject with no prefix at all, and no report words in it
    subject = _fill(rng, rng.choice(UNTAGGED_TEMPLATES))
    while REPORT_WORDS.search(subject):
        subject = _subject(rng)
    truth = PatchTruth(subject=_clean(subject), tree=None, rfc=False, kind="patch", url=url,
                       **base)
    return _with_line(_line(author, subject, url), None, truth)


def _series_lines(series: Series, appearance: int, rng: random.Random,
                  number: int) -> list[PatchLine]:
    """The entries of one series in one issue: the cover letter, then its parts."""
    if series.style in ("llvm", "urllink", "iovisor", "untagged", "report"):
        return [_special_line(series, rng, number)]
    raw_version = series.versions[appearance]
    version = raw_version if raw_version > 1 else None
    rfc = appearance < series.rfc_appearances
    total = len(series.parts)
    comma = rng.random() > 0.03
    lines = []
    if total == 0:
        if series.style == "stable":
            stable_total = rng.randint(30, 180)
            head, truth = _prefix(series, None, rng.randint(1, stable_total), stable_total, False)
        else:
            head, truth = _prefix(series, version, None, None, rfc)
        entries = [(head, series.cover, truth, False)]
    else:
        head, truth = _prefix(series, version, 0, total, rfc)
        entries = [(head, series.cover, truth, False)]
        if series.listed[appearance]:
            for index, subject in enumerate(series.parts, start=1):
                head, truth = _prefix(series, version, index, total, rfc)
                entries.append((head, subject, truth, True))
    indent = "    " if rng.random() < 0.05 else "  "
    for head, subject, truth, nested in entries:
        url = _patch_url(rng, number, "patch" if nested else "cover")
        shown_url = url
        if rng.random() < 0.004:  # the archive's exporter glued some URLs twice
            shown_url = url + "cw" + url
        text = f"{head} {subject}"
        author = None if nested else series.author
        markdown = _line(author, text, shown_url, comma=comma)
        plain_author = "" if nested else f"{series.author}, "
        plain = (
            _clean(f"{plain_author}{text}") if series.style in PLAIN_TEXT_STYLES else None
        )
        lines.append(
            PatchLine(
                (indent if nested else "") + markdown,
                (indent if nested else "") + plain if plain is not None else None,
                PatchTruth(
                    author=series.author,
                    subject=_clean(subject),
                    kind="patch",
                    nested=nested,
                    url=url,
                    line=markdown,
                    **truth,
                ),
            )
        )
    return lines


# --------------------------------------------------------------------------- issues


class _Doc:
    """Counts documents by kind as sections are written (the index's grain)."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter({"issue": 1})

    def add(self, kind: str, count: int = 1) -> None:
        if count:
            self.kinds[kind] += count

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


@dataclass
class _Item:
    title: str
    url: str
    text: str
    quote: bool = False


def _youtube(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "https://www.youtube.com/watch?v=" + "".join(rng.choice(alphabet) for _ in range(11))


def _items(rng: random.Random, kind: str, count: int, number: int) -> list[_Item]:
    items = []
    for index in range(count):
        description = _sentences(rng, DESCRIPTION_SENTENCES, rng.randint(1, 3))
        if kind in ("talk", "video"):
            title = _fill(rng, rng.choice(TALK_TEMPLATES))
            url = _youtube(rng) if kind == "video" or rng.random() < 0.5 else (
                f"https://media.ccc.de/v/{number}-{index}-{_made_up_identifier(rng)}"
            )
        elif kind == "slides":
            title = _fill(rng, rng.choice(TALK_TEMPLATES)).split(" - ", 1)[-1]
            url = rng.choice((
                f"https://www.slideshare.net/{rng.choice(PROJECT_OWNERS)}/{_made_up_identifier(rng)}",
                f"https://www.linuxplumbersconf.org/event/{number % 20}/contributions/"
                f"{rng.randint(100, 999)}/attachments/slides.pdf",
                f"https://docs.google.com/presentation/d/{_hex(rng, 20)}/edit",
            ))
        elif kind == "project":
            title = rng.choice(PROJECT_NAMES) if rng.random() < 0.6 else (
                f"{rng.choice(ID_HEADS)}-{rng.choice(ID_TAILS)}"
            )
            url = f"https://github.com/{rng.choice(PROJECT_OWNERS)}/{title}"
            description = _fill(rng, rng.choice(DESCRIPTION_SENTENCES))
        else:
            title = _fill(rng, rng.choice(ARTICLE_TEMPLATES))
            url = rng.choice((
                f"https://lwn.net/Articles/{700_000 + number * 100 + index}/",
                f"https://www.brendangregg.com/blog/{issue_date(number).isoformat()}/{_made_up_identifier(rng)}.html",
                f"https://cilium.io/blog/{issue_date(number).year}/{index}/{_made_up_identifier(rng)}",
                f"https://www.spinics.net/lists/xdp-newbies/msg{number * 10 + index:05d}.html",
                f"https://blog.cloudflare.com/{_made_up_identifier(rng).replace('_', '-')}/",
            ))
        items.append(_Item(title, url, description, quote=kind == "project"))
    return items


@dataclass
class _Commit:
    hash: str
    title: str
    date: dt.date
    url: str


@dataclass
class _Content:
    """Everything one issue says, before it is written in one of the formats."""

    number: int
    date: dt.date
    highlights: list[str]
    commits: list[_Commit]
    prose: list[str]
    topics: list[_Item]  # `- [title](url)` bullets of the intro
    presentations: dict[str, list[_Item]]  # "Talks"/"Slides"/"Videos" -> items
    icymi_intro: str
    icymi: list[_Item]
    projects_intro: str
    projects: list[_Item]
    note_url: str
    note: str
    patches: list[PatchLine]


def _content(number: int, seed: int, pool: SeriesPool, patch_cap: int | None) -> _Content:
    rng = _rng(seed, "issue", number)
    date = issue_date(number)
    commits = []
    for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 5))):
        commit_date = date - dt.timedelta(days=rng.randint(2, 12))
        hash_ = _hex(rng, 12)
        tree = rng.choice(("davem/net-next", "bpf/bpf-next", "bpf/bpf", "davem/net"))
        commits.append(_Commit(
            hash_, _clean(_subject(rng)).replace("(", "").replace(")", ""), commit_date,
            f"https://git.kernel.org/pub/scm/linux/kernel/git/{tree}.git/commit/?id={hash_}",
        ))
    presentations: dict[str, list[_Item]] = {}
    for name, kind, most in (("Talks", "talk", 5), ("Slides", "slides", 4), ("Videos", "video", 4)):
        count = rng.randint(0, most) if rng.random() < 0.7 else 0
        if count:
            presentations[name] = _items(rng, kind, count, number)
    lines: list[PatchLine] = []
    appearances = pool.in_issue(number)
    rng.shuffle(appearances)
    for series, appearance in appearances:
        lines.extend(_series_lines(series, appearance, _rng(seed, "lines", series.key, number),
                                   number))
    if patch_cap is not None:
        lines = _cut(lines, patch_cap)
    return _Content(
        number=number,
        date=date,
        highlights=[_fill(rng, rng.choice(HIGHLIGHT_TEMPLATES)) for _ in range(rng.randint(2, 5))],
        commits=commits,
        prose=[
            _sentences(rng, PROSE_SENTENCES, rng.randint(2, 4)) for _ in range(rng.randint(1, 3))
        ],
        topics=_items(rng, "article", rng.choice((0, 0, 2, 3, 4)), number),
        presentations=presentations,
        icymi_intro=(
            "A lot of good content showed up this week. Check them all out below."
            if rng.random() < 0.3 else ""
        ),
        icymi=_items(rng, "article", rng.randint(2, 9), number),
        projects_intro=(
            "A couple of new GitHub projects. Please star if you like the projects ;)"
            if rng.random() < 0.4 else ""
        ),
        projects=_items(rng, "project", rng.choice((0, 1, 2, 3, 4)), number),
        note_url=f"https://twitter.com/{rng.choice(PROJECT_OWNERS)}/status/{_hex(rng, 15)}",
        note=_fill(rng, rng.choice(NOTE_QUOTES)),
        patches=lines,
    )


def _cut(lines: list[PatchLine], cap: int) -> list[PatchLine]:
    """The first `cap` entries (a prefix never has a part without its cover letter)."""
    # A series cut in the middle keeps the parts written so far: the parser nests them
    # under their cover letter all the same.
    return lines[: max(0, cap)]


def _front_matter(content: _Content, rng: random.Random) -> tuple[list[str], str | None]:
    """YAML front matter lines and the date the parser will read (None for drafts)."""
    number, date = content.number, content.date
    if rng.random() < 0.01:
        return [
            "---",
            f"title: 'BPF Updates {number:02d}'",
            "description: 'In this interview, hear about the plans for the future of the "
            "framework, funding open source, and the Edge-first future.'",
            f"author: '{EDITOR}'",
            "draft: true",
            "---",
        ], None
    stamp = f"{date.isoformat()}T{rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}:18.000Z"
    lines = [
        "---",
        f"path: '/blog/{date.year}/{date.month}/{date.day}/bpf-updates-{number:02d}'",
        f"date: '{stamp}'",
    ]
    if rng.random() < 0.3:
        lines.append(f"author: ' {EDITOR}'")
    lines += [
        f"title: 'BPF {rng.choice(('Updates', 'updates'))} {number:02d}'",
        "categories:",
        "  - Technology",
        "tags:",
        "  - bpf-updates",
        "  - ebpf",
        "  - bpf",
        f"ogSummary: 'Issue {number} of the BPF newsletter by {EDITOR}, covering updates, "
        "presentations, videos, and ongoing developments around BPF and XDP.'",
        "---",
    ]
    return lines, date.isoformat()


_STATEMENT = (
    "This is issue {number:02d} of the regular newsletter around BPF written by {editor}. It "
    "summarizes ongoing development, presentations, videos and other information related "
    "to BPF and XDP. It is released roughly once a week."
)
_PATCHES_NOTE = (
    "Please note that netdev receives a lot of patches and the list above is not meant to "
    "be comprehensive."
)


def _markdown(content: _Content, mdx: bool, rng: random.Random, doc: _Doc,
              truth: IssueTruth) -> str:
    front, truth.date = _front_matter(content, rng)
    out = [*front, ""]
    if mdx:
        out += ["import authors from 'utils/author-data';", ""]
    out += [_STATEMENT.format(number=content.number, editor=EDITOR), "", "---", ""]
    out.append("The highlights since last time are")
    out.append("")
    highlights = list(content.highlights)
    for commit in content.commits:
        highlights.append(
            f"{rng.choice(PHRASES).capitalize()} landed in "
            f"[{commit.hash} ({commit.title}, {commit.date.isoformat()})]({commit.url})."
        )
    out += [f"- {line}" for line in highlights] + [""]
    for paragraph in content.prose:
        out += [paragraph, ""]
    doc.add("section")  # the highlights section has text of its own
    doc.add("commit", len(content.commits))
    truth.commits = [commit.hash for commit in content.commits]
    if content.topics:
        out += ["Some interesting topics from the lists", ""]
        out += [f"- [{item.title}]({item.url})" for item in content.topics] + [""]
        doc.add("article", len(content.topics))
    if content.presentations:
        flat = len(content.presentations) == 1 and "Videos" in content.presentations
        if flat and rng.random() < 0.5:  # issue 01's shape: `## Videos` / `### [title](url)`
            out += ["## Videos", ""]
            _write_items(out, content.presentations["Videos"], "###")
            doc.add("video", len(content.presentations["Videos"]))
        else:
            out += ["## Presentations", ""]
            kinds = {"Talks": "talk", "Slides": "slides", "Videos": "video"}
            for name, items in content.presentations.items():
                out += [f"### {name}", ""]
                _write_items(out, items, "####")
                doc.add(kinds[name], len(items))
    out += ["## In case you missed it", ""]
    if content.icymi_intro:
        out += [content.icymi_intro, ""]
        doc.add("section")
    _write_items(out, content.icymi, rng.choice(("###", "####")))
    doc.add("article", len(content.icymi))
    if content.projects:
        out += ["## Projects", ""]
        if content.projects_intro:
            out += [content.projects_intro, ""]
            doc.add("section")
        _write_items(out, content.projects, "####")
        doc.add("project", len(content.projects))
    out += [f"## [Random cool note]({content.note_url})", "", f"> {content.note}", ""]
    doc.add("section")
    doc.add("note")
    out += ["## Patches", ""]
    for line in content.patches:
        out.append(f"- {line.markdown}" if not line.truth.nested else _nested(line.markdown))
        truth.patches.append(line.truth)
        doc.add(line.truth.kind)
    out += ["", _PATCHES_NOTE, "", "Happy eBPF hacking! ;)", ""]
    doc.add("section")  # the Patches section's own text
    if mdx:
        out += ["<BlogAuthor {...authors.alexanderAlemayhu} />", ""]
    return "\n".join(out)


def _nested(markdown: str) -> str:
    stripped = markdown.lstrip(" ")
    return markdown[: len(markdown) - len(stripped)] + "- " + stripped


def _write_items(out: list[str], items: list[_Item], level: str) -> None:
    for item in items:
        out += [f"{level} [{item.title}]({item.url})", ""]
        if item.text:
            out += [("> " if item.quote else "") + item.text, ""]


def _plain_text(content: _Content, rng: random.Random, doc: _Doc, truth: IssueTruth) -> str:
    """The issue as the web page renders to text: no markup, no links."""
    truth.date = None
    out = [f"BPF updates {content.number:02d}", ""]
    out += [_STATEMENT.format(number=content.number, editor=EDITOR), "", ""]
    for paragraph in content.prose:
        out += [_clean(paragraph), ""]
    doc.add("section")
    if content.commits:
        out += ["More interesting developments are:", ""]
        out += [
            f"  • {commit.hash} ({commit.title}, {commit.date.isoformat()})"
            for commit in content.commits
        ]
        out.append("")
        doc.add("commit", len(content.commits))
        truth.commits = [commit.hash for commit in content.commits]
    if content.presentations:
        out += ["Presentations", ""]
        kinds = {"Talks": "talk", "Slides": "slides", "Videos": "video"}
        for name, items in content.presentations.items():
            out += [name, ""]
            _write_plain_items(out, items)
            doc.add(kinds[name], len(items))
    out += ["In case you missed it", ""]
    if content.icymi_intro:
        out += [content.icymi_intro, ""]
        doc.add("section")
    _write_plain_items(out, content.icymi)
    doc.add("article", len(content.icymi))
    if content.projects:
        out += ["Projects", ""]
        if content.projects_intro:
            out += [content.projects_intro, ""]
            doc.add("section")
        _write_plain_items(out, content.projects)
        doc.add("project", len(content.projects))
    out += ["Random cool note", "", _clean(content.note), ""]
    doc.add("section")
    doc.add("note")
    out += ["Patches", ""]
    written = 0
    skip_parts = False
    for line in content.patches:
        if line.truth.nested and skip_parts:
            continue
        skip_parts = False
        if line.plain is None:
            skip_parts = True
            continue
        bullet = "    • " if line.truth.nested else "  • "
        out.append(bullet + line.plain.lstrip(" "))
        truth.patches.append(replace(line.truth, url=None, line=line.plain.strip()))
        doc.add(line.truth.kind)
        written += 1
    out += ["", _PATCHES_NOTE, "", "Happy eBPF hacking!", ""]
    doc.add("section")
    return "\n".join(out)


def _write_plain_items(out: list[str], items: list[_Item]) -> None:
    for item in items:
        title = _clean(item.title).rstrip(".:;,!?")
        text = _clean(item.text)
        out += [title, "", text if text.endswith(".") else text + ".", ""]


def render_issue(number: int, seed: int, *, pool: SeriesPool | None = None,
                 patch_cap: int | None = None, fmt: str | None = None) -> tuple[str, IssueTruth]:
    """Issue `number` of the archive generated with `seed`: (file text, truth).

    `patch_cap` limits the patch entries (to land an archive on its target size);
    `fmt` forces md, mdx or txt.
    """
    pool = pool or SeriesPool(seed)
    content = _content(number, seed, pool, patch_cap)
    rng = _rng(seed, "render", number)
    fmt = fmt or FIXED_FORMATS.get(number) or _weighted(rng, FORMATS)
    doc = _Doc()
    name = f"{number:04d}_{hashlib.sha1(f'{seed}:{number}'.encode()).hexdigest()[:12]}.{fmt}"
    truth = IssueTruth(file=name, number=number, date=None, format=fmt, documents=0, kinds={})
    if fmt == "txt":
        text = _plain_text(content, rng, doc, truth)
    else:
        text = _markdown(content, fmt == "mdx", rng, doc, truth)
    truth.documents = doc.total
    truth.kinds = dict(sorted(doc.kinds.items()))
    return text, truth


# --------------------------------------------------------------------------- archives


def generate_archive(out_dir: Path, target_documents: int, seed: int = 0) -> GeneratedArchive:
    """Write an archive of about `target_documents` index documents under `out_dir`.

    Issue files go to `out_dir/issues/`, the truth to `out_dir/truth.json`. An archive
    already generated there with the same target, seed and generator version is reused
    as it is. Issues are added until the target is met; the last one is cut short so the
    total lands within a few documents of the target.
    """
    out_dir = Path(out_dir)
    existing = GeneratedArchive.load(out_dir)
    if existing and existing.target == target_documents and existing.seed == seed:
        return existing
    issue_dir = out_dir / ISSUES_DIRNAME
    issue_dir.mkdir(parents=True, exist_ok=True)
    for stale in issue_dir.iterdir():
        if stale.is_file():
            stale.unlink()
    (out_dir / TRUTH_FILENAME).unlink(missing_ok=True)
    pool = SeriesPool(seed)
    issues: list[IssueTruth] = []
    total = 0
    number = 0
    while total < target_documents:
        number += 1
        text, truth = render_issue(number, seed, pool=pool)
        if total + truth.documents > target_documents:
            non_patch = truth.documents - len(truth.patches)
            room = target_documents - total - non_patch
            if room < 0:
                if target_documents - total < truth.documents / 2 and issues:
                    break  # closer to the target without this issue
                room = 0
            text, truth = render_issue(number, seed, pool=pool, patch_cap=room,
                                       fmt=truth.format)
        (issue_dir / truth.file).write_text(text, encoding="utf-8")
        issues.append(truth)
        total += truth.documents
    archive = GeneratedArchive(out_dir, issue_dir, target_documents, seed, issues)
    temporary = out_dir / (TRUTH_FILENAME + ".tmp")
    temporary.write_text(
        json.dumps(archive.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    temporary.replace(out_dir / TRUTH_FILENAME)
    return archive


def new_issue_file(out_dir: Path, number: int, seed: int = 0, *, fmt: str = "mdx") -> Path:
    """Write issue `number` (the one after an archive's last) into `out_dir`; return its path.

    Its series continue the archive's (higher versions of the same cover letters). The
    file is Markdown/MDX so every document is findable by its title.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text, truth = render_issue(number, seed, fmt=fmt)
    path = out_dir / truth.file
    path.write_text(text, encoding="utf-8")
    return path


def new_issue_truth(number: int, seed: int = 0, *, fmt: str = "mdx") -> IssueTruth:
    """The truth of the file `new_issue_file(out_dir, number, seed)` writes."""
    return render_issue(number, seed, fmt=fmt)[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="where to write issues/ and truth.json")
    parser.add_argument("--docs", type=int, default=10_000, help="target document count")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    archive = generate_archive(args.out_dir, args.docs, args.seed)
    formats = Counter(issue.format for issue in archive.issues)
    size = sum(path.stat().st_size for path in archive.files)
    by_format = ", ".join(f"{count} {name}" for name, count in sorted(formats.items()))
    print(
        f"{len(archive.issues)} issues ({by_format}), "
        f"{archive.documents} documents (target {archive.target}), {archive.patches} patch "
        f"entries, {size / 1e6:.1f} MB in {archive.issue_dir} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    kinds = ", ".join(f"{kind} {count}" for kind, count in archive.kinds().most_common())
    print(f"documents by kind: {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
