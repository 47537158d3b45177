"""Reads an archive document on stdin with Python's own parsers and prints its structure as JSON.

  archive_read.py html   the HTML transcript (html.parser): each section's heading, the answers
                         that follow it as a tree (permalink id, text, nested replies), and
                         anything that would run (script elements, on* attributes, javascript:
                         links)
  archive_read.py atom   an Atom feed (xml.etree): the feed's and each entry's elements, and the
                         RFC 4287 requirements it breaks
  archive_read.py svg    an SVG image (xml.etree): root element, title, number of bars
"""
import json
import sys
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []  # Nodes and strings

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self):
        return [c for c in self.children if isinstance(c, Node)]

    def walk(self):
        yield self
        for c in self.elements():
            yield from c.walk()


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.current = self.root
        self.problems = []

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is None:
            self.problems.append(f"unmatched </{tag}>")
            return
        if node is not self.current:
            self.problems.append(f"<{self.current.tag}> closed by </{tag}>")
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def post_tree(li):
    text = next((c.text() for c in li.elements() if "text" in c.classes()), None)
    replies = []
    for c in li.elements():
        if c.tag == "ol" and "replies" in c.classes():
            replies = [post_tree(r) for r in c.elements() if r.tag == "li"]
    return {"id": li.attrs.get("id"), "text": text, "replies": replies}


def read_html(doc):
    b = TreeBuilder()
    b.feed(doc)
    b.close()
    root = b.root
    sections = []
    for s in root.walk():
        if s.tag != "section":
            continue
        kids = s.elements()
        heading = next((k for k in kids if k.tag == "h2"), None)
        answers = next((k for k in kids if k.tag == "ol" and "answers" in k.classes()), None)
        sections.append({
            "id": s.attrs.get("id"),
            "heading": heading.text() if heading else None,
            "heading_before_answers": heading is not None and answers is not None
            and kids.index(heading) < kids.index(answers),
            "answers": [post_tree(li) for li in answers.elements() if li.tag == "li"]
            if answers else None,
        })
    active = []
    for n in root.walk():
        if n.tag in ("script", "iframe", "object", "embed"):
            active.append(f"<{n.tag}>")
        for k, v in n.attrs.items():
            if k.startswith("on"):
                active.append(f"{n.tag} {k}")
            if k in ("href", "src") and (v or "").strip().lower().startswith("javascript:"):
                active.append(f"{n.tag} {k}={v}")
    title = next((n.text() for n in root.walk() if n.tag == "title"), None)
    return {"title": title, "sections": sections, "active": active, "problems": b.problems,
            "ids": [n.attrs["id"] for n in root.walk() if "id" in n.attrs]}


ATOM = "{http://www.w3.org/2005/Atom}"


def rfc3339(value, problems, what):
    try:
        t = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
        if t.tzinfo is None:
            problems.append(f"{what}: no time zone")
    except ValueError:
        problems.append(f"{what}: not RFC 3339: {value!r}")


def read_atom(doc):
    root = ET.fromstring(doc.encode("utf-8"))
    problems = []
    if root.tag != ATOM + "feed":
        problems.append(f"root is {root.tag}")

    def one(el, name, what):
        found = el.findall(ATOM + name)
        if len(found) != 1:
            problems.append(f"{what} has {len(found)} <{name}>")
            return None
        return found[0].text

    def links(el):
        return [dict(l.attrib) for l in el.findall(ATOM + "link")]

    feed = {"id": one(root, "id", "feed"), "title": one(root, "title", "feed"),
            "updated": one(root, "updated", "feed"), "links": links(root), "entries": []}
    rfc3339(feed["updated"], problems, "feed updated")
    feed_author = root.find(ATOM + "author") is not None
    for e in root.findall(ATOM + "entry"):
        entry = {"id": one(e, "id", "entry"), "title": one(e, "title", "entry"),
                 "updated": one(e, "updated", "entry"),
                 "published": (e.find(ATOM + "published").text
                               if e.find(ATOM + "published") is not None else None),
                 "summary": (e.find(ATOM + "summary").text
                             if e.find(ATOM + "summary") is not None else None),
                 "links": links(e),
                 "categories": [c.get("term") for c in e.findall(ATOM + "category")]}
        rfc3339(entry["updated"], problems, "entry updated")
        if entry["published"] is not None:
            rfc3339(entry["published"], problems, "entry published")
        if not feed_author and e.find(ATOM + "author") is None:
            problems.append("an entry has no author and the feed has none")
        if e.find(ATOM + "content") is None and not any(
                l.get("rel", "alternate") == "alternate" for l in entry["links"]):
            problems.append("an entry has neither content nor an alternate link")
        feed["entries"].append(entry)
    ids = [e["id"] for e in feed["entries"]]
    if len(ids) != len(set(ids)):
        problems.append("entry ids repeat")
    if not any(l.get("rel") == "self" for l in feed["links"]):
        problems.append("no rel=self link")
    feed["problems"] = problems
    return feed


def read_svg(doc):
    root = ET.fromstring(doc.encode("utf-8"))
    svg = "{http://www.w3.org/2000/svg}"
    title = root.find(svg + "title")
    return {"root": root.tag, "title": title.text if title is not None else None,
            "bars": len(root.findall(f".//{svg}rect"))}


mode = sys.argv[1]
text = sys.stdin.read()
result = {"html": read_html, "atom": read_atom, "svg": read_svg}[mode](text)
json.dump(result, sys.stdout, ensure_ascii=False)
