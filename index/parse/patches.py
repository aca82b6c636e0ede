"""Patch entries: `- Author, [[PATCH net-next v2 1/5] bpf: subject](url)` and their kin.

Following patchwork, the subject's prefix is parsed by rules rather than one regex: the
leading bracket groups are split into tokens and each token is recognised on its own
(`PATCH`, `RFC`, `v2`, `3/7`, a tree, a mailing-list tag), so new combinations of the
same tokens (`[V3 PATCH net-next 0/5]`, `[PATCH][net-next]`, `[net-next V8 PATCH 0/5]`)
need no new code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from index.model import Patch
from index.parse.text import clean_inline, find_link, repair_url

# Trees seen in the newsletter family, with the spellings that mean the same tree.
TREE_ALIASES = {
    "net": "net",
    "net-next": "net-next",
    "bpf": "bpf",
    "bpf-next": "bpf-next",
    "iproute2": "iproute2",
    "iproute": "iproute2",
    "iproute2-next": "iproute2-next",
    "llvm": "llvm",
    "bpf-llvm": "llvm",
    "linux-next": "linux-next",
    "ipsec": "ipsec",
    "ipsec-next": "ipsec-next",
    "nf": "nf",
    "nf-next": "nf-next",
    "mlx5-next": "mlx5-next",
    "perf": "perf",
    "tip": "tip",
    "stable": "stable",
    "bcc": "bcc",
    "ethtool": "ethtool",
}
# Trees that name a separate project: they win over a kernel tree named beside them
# (`[PATCH iproute2 net-next v2]` is iproute2's net-next branch, not the kernel's).
_PROJECT_TREES = ("iproute2", "iproute2-next", "llvm", "bcc", "ethtool")
_LIST_TAGS = {"netdev", "xdp-newbies", "lkml", "linux-api", "iovisor", "iovisor-dev"}
_VERSION = re.compile(r"^v(\d{1,3})$", re.IGNORECASE)
_PATCH_VERSION = re.compile(r"^patch-?v(\d{1,3})$", re.IGNORECASE)
_PART = re.compile(r"^(\d{1,4})/(\d{1,4})$")
_KERNEL_RELEASE = re.compile(r"^\d+(?:\.\d+)+(?:-rc\d+)?$")
_TREE_LIKE = re.compile(r"^[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*$")
_LLVM_COMMIT = re.compile(r"^r(\d{4,})\s*[-:]\s*(.*)$")
_UNBRACKETED_PREFIX = re.compile(r"^((?:patch|rfc)\b[^:\[\]]{0,60}):\s*(.*)$", re.IGNORECASE)
_REPORT = re.compile(
    r"\b(WARNING|BUG|KASAN|KMSAN|UBSAN|Oops|panic|general protection fault|"
    r"INFO: task|possible (?:circular )?(?:recursive )?locking|deadlock|use-after-free|"
    r"null-ptr-deref|Reported-by|syzbot)\b"
)
_AUTHOR_TRIM = " \t,;:-–—"


@dataclass
class SubjectPrefix:
    """What the bracketed prefix of a subject says."""

    subject: str
    tokens: list[str] = field(default_factory=list)
    has_patch_tag: bool = False
    tree: str | None = None
    version: int | None = None
    part: int | None = None
    total: int | None = None
    rfc: bool = False
    pull: bool = False
    list_tag: str | None = None


def parse_subject(text: str) -> SubjectPrefix:
    """Split a patch subject into its prefix tokens and the clean subject.

    Never raises: text with no recognisable prefix is returned whole as the subject.
    """
    rest = text.strip()
    groups: list[list[str]] = []
    while rest.startswith("["):
        end = _closing_bracket(rest)
        if end < 0:
            break
        tokens = _tokens(rest[1:end])
        after = rest[end + 1 :]
        # `[e]BPF ...` is a word, not a tag: a tag group is followed by a space or
        # another group, and every token in it must look like a tag.
        if not tokens or (after and not after[0].isspace() and after[0] != "["):
            break
        if not all(_is_tag_token(token) for token in tokens):
            break
        groups.append(tokens)
        rest = after.lstrip()
    if not groups:
        match = _UNBRACKETED_PREFIX.match(rest)
        if match and all(_is_tag_token(token) for token in _tokens(match.group(1))):
            groups.append(_tokens(match.group(1)))
            rest = match.group(2)
    prefix = SubjectPrefix(subject=rest.strip())
    trees: list[str] = []
    for token in (token for group in groups for token in group):
        prefix.tokens.append(token)
        _apply_token(prefix, token, trees)
    prefix.tree = _choose_tree(trees)
    return prefix


def _closing_bracket(text: str) -> int:
    depth = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _tokens(content: str) -> list[str]:
    tokens = []
    for raw in re.split(r"[\s,]+", content.strip()):
        if not raw:
            continue
        # `RFC/PATCH` and `PATCH/RFC` are two tags; `3/7` is one part number.
        if "/" in raw and not _PART.match(raw):
            tokens.extend(piece for piece in raw.split("/") if piece)
        else:
            tokens.append(raw)
    return tokens


def _is_tag_token(token: str) -> bool:
    lowered = token.lower()
    return bool(
        lowered in ("patch", "rfc", "git", "pull", "resend", "net-next", "net")
        or _VERSION.match(token)
        or _PATCH_VERSION.match(token)
        or _PART.match(token)
        or _KERNEL_RELEASE.match(token)
        or lowered in TREE_ALIASES
        or lowered in _LIST_TAGS
        or token.startswith("-")
        or (_TREE_LIKE.match(lowered) and len(lowered) <= 24 and token == lowered)
        or lowered.endswith(("-dev", "-devel"))
    )


def _apply_token(prefix: SubjectPrefix, token: str, trees: list[str]) -> None:
    lowered = token.lower()
    if lowered == "patch":
        prefix.has_patch_tag = True
    elif lowered == "rfc":
        prefix.rfc = True
    elif lowered in ("git", "pull"):
        prefix.pull = True
    elif (match := _PATCH_VERSION.match(token)) is not None:
        prefix.has_patch_tag = True
        prefix.version = int(match.group(1))
    elif (match := _VERSION.match(token)) is not None:
        prefix.version = int(match.group(1))
    elif (match := _PART.match(token)) is not None:
        prefix.part, prefix.total = int(match.group(1)), int(match.group(2))
    elif token.startswith("-") or lowered in ("resend", "master") or _KERNEL_RELEASE.match(token):
        pass  # a branch (`-master`) or a resend marker says nothing we index
    elif lowered in TREE_ALIASES:
        trees.append(TREE_ALIASES[lowered])
    elif lowered in _LIST_TAGS or lowered.endswith(("-dev", "-devel")):
        prefix.list_tag = prefix.list_tag or lowered
    elif _TREE_LIKE.match(lowered):
        trees.append(lowered)


def _choose_tree(trees: list[str]) -> str | None:
    for project in _PROJECT_TREES:
        if project in trees:
            return project
    return trees[0] if trees else None


def mailing_list(url: str | None) -> str | None:
    """The mailing list or tracker an entry's URL points into (`netdev`, `llvm`, ...)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path
    if host == "spinics.net":
        match = re.match(r"/lists/([\w.-]+)/", path)
        return match.group(1) if match else "spinics"
    if host == "mail-archive.com":
        match = re.match(r"/([\w.-]+)@", path)
        return match.group(1) if match else "mail-archive"
    if host == "lkml.org" or (host == "lore.kernel.org" and path.startswith("/lkml")):
        return "linux-kernel"
    if host == "lore.kernel.org":
        match = re.match(r"/([\w.-]+)/", path)
        return match.group(1) if match else "lore"
    if host == "lists.iovisor.org":
        match = re.search(r"/pipermail/([\w.-]+)/", path)
        return match.group(1) if match else "iovisor"
    if host == "marc.info":
        listname = parse_qs(parts.query).get("l", [""])[0]
        return listname.removeprefix("linux-") if listname else "marc"
    if host.endswith("llvm.org"):
        return "llvm"
    if host.startswith("patchwork."):
        return host
    return host or None


def _llvm_revision(url: str | None) -> str | None:
    if not url or "llvm.org" not in url:
        return None
    query = parse_qs(urlsplit(url).query)
    for key in ("revision", "rev"):
        if query.get(key):
            return f"r{query[key][0]}"
    return None


@dataclass
class PatchLine:
    """A patch entry as parsed from one list item, before nesting is resolved."""

    patch: Patch
    warnings: list[str] = field(default_factory=list)


def parse_patch_line(text: str) -> PatchLine:
    """Parse the content of one list item of a Patches section (bullet already removed).

    Handles `Author, [title](url)`, `Author [title](url)` (no comma), `[title](url)`
    (a nested part: no author), a link whose text is the URL itself, and entries whose
    link was lost (plain-text issues: `Author, [PATCH net] subject`). Never raises.
    """
    warnings: list[str] = []
    link = find_link(text)
    if link is not None:
        author_text = text[: link.start]
        title = link.text
        url, repaired = repair_url(link.url)
        if repaired:
            warnings.append(f"URL written twice in one link, kept {url}")
    else:
        author_text, title = _split_unlinked(text)
        url = None
    author = clean_inline(author_text).strip(_AUTHOR_TRIM) or None
    if author and len(author) > 60:
        # Prose, not a name: keep the words in the subject rather than lose them.
        title, author = f"{author} {title}", None
    patch = _patch_from_title(clean_inline(title), url)
    patch.author = patch.author_as_written = author
    patch.title_as_written = title.strip()
    return PatchLine(patch, warnings)


def _split_unlinked(text: str) -> tuple[str, str]:
    match = re.search(r"\[|\b(?:PATCH|RFC)\b", text)
    if match and match.start() > 0:
        return text[: match.start()], text[match.start() :]
    return "", text


def _patch_from_title(title: str, url: str | None) -> Patch:
    if re.match(r"^https?://\S+$", title):
        revision = _llvm_revision(title) or _llvm_revision(url)
        is_llvm = revision is not None
        return Patch(
            subject=title,
            url=url,
            tree="llvm" if is_llvm else None,
            kind="llvm-commit" if is_llvm else "link",
            revision=revision,
            mailing_list=mailing_list(url),
        )
    prefix = parse_subject(title)
    patch = Patch(
        subject=prefix.subject or title,
        url=url,
        tree=prefix.tree,
        version=prefix.version,
        part=prefix.part,
        total=prefix.total,
        rfc=prefix.rfc,
        mailing_list=mailing_list(url) or prefix.list_tag,
    )
    llvm = _LLVM_COMMIT.match(patch.subject)
    if llvm and (prefix.tree == "llvm" or _llvm_revision(url)):
        patch.kind, patch.tree = "llvm-commit", "llvm"
        patch.revision, patch.subject = f"r{llvm.group(1)}", llvm.group(2)
    elif prefix.pull:
        patch.kind = "pull"
    elif not prefix.tokens and _REPORT.search(patch.subject):
        patch.kind = "report"
    return patch
