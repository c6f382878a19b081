"""Did the UI render what the platform received? Received components versus what the DOM shows.

A bot message counts as *rendered* only when every received component is shown, in order, with the
text exactly as received (spaces and newlines included), mentions pointing at the right user, images
actually loaded, voice and file links answering with content, quotes pointing at the quoted id and
forward nodes all present. Anything less is a problem, reported in words; nothing is assumed.

What the DOM marks and what is compared come from the component registry (``harness/data/components.yaml``,
each type's ``ui.dom``): the ``data-*`` attributes the web UI renders are read back into fields
(:func:`read_message_js`), ``compare`` names the fields that must show as received, ``check`` one of the
structured checks below (media loaded, link answering, quote target, forward nodes) and ``evidence``
the fields a ``ui_observed`` record keeps.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from harness.components import Registry, default_registry


def rendered_problems(received: list[dict[str, Any]], seen: dict[str, Any] | None,
                      registry: Registry | None = None) -> list[str]:
    """Problems that keep ``seen`` (from ``SimClient.read_message``) from showing ``received``; [] when none."""
    if seen is None:
        return ["the message is not in the conversation's DOM"]
    if seen.get("recalled"):
        return ["the message shows as recalled"]
    if not seen.get("visible", False):
        return ["the message element is not visible"]
    return _chain(received, seen.get("components") or [], "", registry or default_registry())


def _chain(received: list[dict[str, Any]], shown: list[dict[str, Any]], where: str, reg: Registry) -> list[str]:
    expected = [c for c in received if c.get("type") not in reg.envelope]
    exp_types = [c.get("type") for c in expected]
    got_types = [c.get("type") for c in shown]
    if exp_types != got_types:
        return [f"{where}components differ: received {exp_types}, rendered {got_types}"]
    problems: list[str] = []
    for i, (exp, got) in enumerate(zip(expected, shown)):
        problems.extend(_component(exp, got, f"{where}component {i} ({exp.get('type')})", reg))
    return problems


def _ok_url(got: dict[str, Any], kind: str) -> bool:
    ctype = str(got.get("content_type") or "")
    return got.get("http_status") == 200 and (got.get("bytes") or 0) > 0 and (not kind or ctype.startswith(kind))


def _check_image(exp: dict, got: dict, where: str, reg: Registry) -> list[str]:
    if got.get("problem"):
        return [f"{where} cannot be shown: {got['problem']}"]
    if not got.get("loaded"):
        return [f"{where} did not load in the browser (src {got.get('src')!r}, HTTP {got.get('http_status')})"]
    return []


def _check_audio(exp: dict, got: dict, where: str, reg: Registry) -> list[str]:
    if got.get("problem"):
        return [f"{where} cannot be played: {got['problem']}"]
    if got.get("element") != "audio" or not _ok_url(got, "audio/"):
        return [f"{where} is not playable audio (HTTP {got.get('http_status')}, {got.get('content_type')!r})"]
    return []


def _check_download(exp: dict, got: dict, where: str, reg: Registry) -> list[str]:
    if got.get("problem") or not got.get("href"):
        return [f"{where} has no download link ({got.get('problem') or 'no href'})"]
    if exp.get("name") and got.get("name") != exp.get("name"):
        return [f"{where} shows name {got.get('name')!r}, received {exp.get('name')!r}"]
    if not _ok_url(got, ""):
        return [f"{where} download link does not answer with content (HTTP {got.get('http_status')})"]
    return []


def _check_quote(exp: dict, got: dict, where: str, reg: Registry) -> list[str]:
    if str(got.get("id")) != str(exp.get("id")) or got.get("href") != f"#msg-{exp.get('id')}":
        return [f"{where} points at {got.get('id')!r} ({got.get('href')!r}), received quote of {exp.get('id')!r}"]
    return []


def _check_forward(exp: dict, got: dict, where: str, reg: Registry) -> list[str]:
    nodes = exp.get("node_list") or exp.get("nodes") or []
    shown = got.get("nodes") or []
    if len(shown) != len(nodes):
        return [f"{where} shows {len(shown)} node(s), received {len(nodes)}"]
    out: list[str] = []
    for j, (n, s) in enumerate(zip(nodes, shown)):
        chain = n.get("message_chain") or n.get("components") or []
        out += _chain(chain, s.get("components") or [], f"{where} node {j}: ", reg)
    return out


#: The structured checks a registry type can name (``ui.dom.check``).
CHECKS: dict[str, Callable[[dict, dict, str, Registry], list[str]]] = {
    "image": _check_image, "audio": _check_audio, "download": _check_download,
    "quote": _check_quote, "forward": _check_forward,
}


def _compare(field: str, mode: str, message: str | None, exp: dict, got: dict, where: str) -> str | None:
    want, shown = exp.get(field), got.get(field)
    if mode == "exact":
        want = exp.get(field, "")
        bad = shown != want
    elif mode == "string":
        bad = str(shown) != str(want)
    else:  # if-expected: compared only when the received component has the field
        bad = want not in (None, "") and str(shown) != str(want)
    if not bad:
        return None
    text = (message or "shows {field} {got!r}, received {exp!r}").format(field=field, got=shown, exp=want)
    return f"{where} {text}"


def _component(exp: dict[str, Any], got: dict[str, Any], where: str, reg: Registry) -> list[str]:
    if not got.get("visible"):
        return [f"{where} is not visible"]
    spec = reg.get(exp.get("type"))
    dom = spec.dom if spec is not None else {}
    for field, rule in (dom.get("compare") or {}).items():
        problem = _compare(field, rule["mode"], rule.get("message"), exp, got, where)
        if problem:
            return [problem]
    check = CHECKS.get(dom.get("check") or "")
    return check(exp, got, where, reg) if check else []


def observed_components(seen: dict[str, Any], registry: Registry | None = None) -> list[dict[str, Any]]:
    """The DOM reading as evidence: component types with the facts that were checked (no URLs of other hosts)."""
    reg = registry or default_registry()
    out = []
    for c in seen.get("components") or []:
        spec = reg.get(c.get("type"))
        item = {"type": c.get("type"), "visible": bool(c.get("visible"))}
        for key in (spec.dom.get("evidence") or ()) if spec is not None else ():
            if c.get(key) not in (None, ""):
                item[key] = c[key]
        if spec is not None and spec.dom.get("reader") == "forward":
            item["nodes"] = [{"sender_id": n.get("sender_id"), "components": observed_components(n, reg)}
                             for n in c.get("nodes") or []]
        out.append(item)
    return out


def plain_text(seen: dict[str, Any]) -> str:
    """The exact text of the message's Plain components, concatenated in order (top level)."""
    return "".join(c.get("text", "") for c in seen.get("components") or [] if c.get("type") == "Plain")


def dom_spec(registry: Registry | None = None) -> dict[str, dict[str, Any]]:
    """Per rendered type what the DOM reader reads: ``{attrs: {field: data-attr}, text: bool, reader: name}``."""
    reg = registry or default_registry()
    return {name: {"attrs": dict(t.dom.get("attrs") or {}), "text": bool(t.dom.get("text")), "reader": t.dom.get("reader")}
            for name, t in reg.types.items() if t.ui}


# What a message shows, read from the DOM in one synchronous step (so no re-render can interleave):
# top-level components in order, forward nodes nested; null when the message is not on the page.
# Every data-* attribute a type's registry entry names is read into its field; the structured readers
# add what an attribute cannot say (an image loaded, a link's target, nested forward nodes).
_READ_JS = r"""
(id) => {
  const SPEC = __SPEC__;
  const el = document.querySelector(`[data-testid="message"][data-message-id="${id}"]`);
  if (!el) return null;
  const READERS = {
    image: (c, o) => {
      o.element = c.tagName.toLowerCase(); o.src = c.getAttribute("src");
      o.loaded = c.tagName === "IMG" && c.complete && c.naturalWidth > 0;
      o.natural_width = c.naturalWidth || 0; o.problem = c.dataset.problem || null;
    },
    audio: (c, o) => {
      o.element = c.tagName.toLowerCase(); o.src = c.getAttribute("src");
      o.ready_state = c.readyState === undefined ? null : c.readyState; o.problem = c.dataset.problem || null;
    },
    file: (c, o) => {
      const a = c.querySelector('[data-testid="file-link"]');
      o.href = a ? a.getAttribute("href") : null; o.problem = c.dataset.problem || null;
    },
    quote: (c, o) => {
      o.href = c.getAttribute("href");
      o.target_present = !!document.getElementById("msg-" + o.id);
    },
    forward: (c, o) => {
      o.nodes = [...c.querySelectorAll(':scope > [data-testid="forward-node"]')].map(n => ({
        sender_id: n.dataset.senderId,
        components: [...n.querySelector(".node-body").children].filter(x => x.dataset.testid === "component").map(read),
      }));
    },
  };
  function read(c) {
    const t = c.dataset.type;
    const o = {type: t};
    const spec = SPEC[t];
    if (spec) {
      for (const [field, attr] of Object.entries(spec.attrs)) {
        const v = c.getAttribute(attr);
        if (v !== null) o[field] = v;
      }
      if (spec.text) o.text = c.textContent;
      if (spec.reader && READERS[spec.reader]) READERS[spec.reader](c, o);
    }
    const r = c.getBoundingClientRect();
    const st = getComputedStyle(c);
    o.visible = r.width > 0 && r.height > 0 && st.visibility !== "hidden" && st.display !== "none" && st.opacity !== "0";
    return o;
  }
  const bubble = el.querySelector('[data-testid="bubble"]');
  const components = bubble ? [...bubble.children].filter(x => x.dataset.testid === "component").map(read) : [];
  const r = el.getBoundingClientRect();
  return {message_id: el.dataset.messageId, sender_id: el.dataset.senderId, recalled: el.dataset.recalled === "true",
          visible: r.width > 0 && r.height > 0, components};
}
"""


def read_message_js(registry: Registry | None = None) -> str:
    """The page function ``(message_id) => reading`` that reads one message's components from the DOM."""
    return _READ_JS.replace("__SPEC__", json.dumps(dom_spec(registry), sort_keys=True))


#: The DOM reader of the default registry (``SimClient.read_message`` evaluates it).
READ_MESSAGE_JS = read_message_js()
