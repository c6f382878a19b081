"""Did the UI render what the platform received? Received components versus what the DOM shows.

A bot message counts as *rendered* only when every received component is shown, in order, with the
text exactly as received (spaces and newlines included), mentions pointing at the right user, images
actually loaded, voice and file links answering with content, quotes pointing at the quoted id and
forward nodes all present. Anything less is a problem, reported in words; nothing is assumed.
"""

from __future__ import annotations

from typing import Any


def rendered_problems(received: list[dict[str, Any]], seen: dict[str, Any] | None) -> list[str]:
    """Problems that keep ``seen`` (from ``SimClient.read_message``) from showing ``received``; [] when none."""
    if seen is None:
        return ["the message is not in the conversation's DOM"]
    if seen.get("recalled"):
        return ["the message shows as recalled"]
    if not seen.get("visible", False):
        return ["the message element is not visible"]
    return _chain(received, seen.get("components") or [], "")


def _chain(received: list[dict[str, Any]], shown: list[dict[str, Any]], where: str) -> list[str]:
    expected = [c for c in received if c.get("type") != "Source"]
    exp_types = [c.get("type") for c in expected]
    got_types = [c.get("type") for c in shown]
    if exp_types != got_types:
        return [f"{where}components differ: received {exp_types}, rendered {got_types}"]
    problems: list[str] = []
    for i, (exp, got) in enumerate(zip(expected, shown)):
        p = _component(exp, got, f"{where}component {i} ({exp.get('type')})")
        problems.extend(p)
    return problems


def _ok_url(got: dict[str, Any], kind: str) -> bool:
    ctype = str(got.get("content_type") or "")
    return got.get("http_status") == 200 and (got.get("bytes") or 0) > 0 and (not kind or ctype.startswith(kind))


def _component(exp: dict[str, Any], got: dict[str, Any], where: str) -> list[str]:
    t = exp.get("type")
    if not got.get("visible"):
        return [f"{where} is not visible"]
    if t == "Plain":
        if got.get("text") != exp.get("text", ""):
            return [f"{where} text differs: received {exp.get('text')!r}, rendered {got.get('text')!r}"]
    elif t == "At":
        if str(got.get("target")) != str(exp.get("target")):
            return [f"{where} mentions {got.get('target')!r}, received {exp.get('target')!r}"]
    elif t == "Image":
        if got.get("problem"):
            return [f"{where} cannot be shown: {got['problem']}"]
        if not got.get("loaded"):
            return [f"{where} did not load in the browser (src {got.get('src')!r}, HTTP {got.get('http_status')})"]
    elif t == "Voice":
        if got.get("problem"):
            return [f"{where} cannot be played: {got['problem']}"]
        if got.get("element") != "audio" or not _ok_url(got, "audio/"):
            return [f"{where} is not playable audio (HTTP {got.get('http_status')}, {got.get('content_type')!r})"]
    elif t == "File":
        if got.get("problem") or not got.get("href"):
            return [f"{where} has no download link ({got.get('problem') or 'no href'})"]
        if exp.get("name") and got.get("name") != exp.get("name"):
            return [f"{where} shows name {got.get('name')!r}, received {exp.get('name')!r}"]
        if not _ok_url(got, ""):
            return [f"{where} download link does not answer with content (HTTP {got.get('http_status')})"]
    elif t == "Quote":
        if str(got.get("id")) != str(exp.get("id")) or got.get("href") != f"#msg-{exp.get('id')}":
            return [f"{where} points at {got.get('id')!r} ({got.get('href')!r}), received quote of {exp.get('id')!r}"]
    elif t == "Face":
        if exp.get("face_id") not in (None, "") and str(got.get("face_id")) != str(exp.get("face_id")):
            return [f"{where} shows face {got.get('face_id')!r}, received {exp.get('face_id')!r}"]
    elif t == "Forward":
        nodes = exp.get("node_list") or exp.get("nodes") or []
        shown = got.get("nodes") or []
        if len(shown) != len(nodes):
            return [f"{where} shows {len(shown)} node(s), received {len(nodes)}"]
        out: list[str] = []
        for j, (n, s) in enumerate(zip(nodes, shown)):
            chain = n.get("message_chain") or n.get("components") or []
            out += _chain(chain, s.get("components") or [], f"{where} node {j}: ")
        return out
    elif t == "Unknown":
        if exp.get("native_type") and got.get("native_type") != exp.get("native_type"):
            return [f"{where} marks {got.get('native_type')!r}, received {exp.get('native_type')!r}"]
    return []


def observed_components(seen: dict[str, Any]) -> list[dict[str, Any]]:
    """The DOM reading as evidence: component types with the facts that were checked (no URLs of other hosts)."""
    keep = {"Plain": ("text",), "At": ("target", "text"), "AtAll": ("text",), "Image": ("src", "loaded"),
            "Voice": ("src", "http_status", "content_type"), "File": ("name", "size", "href", "http_status"),
            "Quote": ("id", "target_present"), "Face": ("face_type", "face_id", "text"), "Unknown": ("native_type",)}
    out = []
    for c in seen.get("components") or []:
        item = {"type": c.get("type"), "visible": bool(c.get("visible"))}
        for key in keep.get(c.get("type"), ()):
            if c.get(key) not in (None, ""):
                item[key] = c[key]
        if c.get("type") == "Forward":
            item["nodes"] = [{"sender_id": n.get("sender_id"), "components": observed_components(n)} for n in c.get("nodes") or []]
        out.append(item)
    return out


def plain_text(seen: dict[str, Any]) -> str:
    """The exact text of the message's Plain components, concatenated in order (top level)."""
    return "".join(c.get("text", "") for c in seen.get("components") or [] if c.get("type") == "Plain")
