// Archive text as DOM nodes: post text with its http(s) addresses made links, and search snippets
// with the matched words in <mark>. Text only ever becomes text nodes.

import { h } from './dom';
import type { SnippetPart } from './archive_types';

const TRAILING = ".,;:!?)]}'*";

/**
 * The next http(s) address at or after `from`: [start, length], or null. The same rule as the
 * server's archive::find_link, so the page links what the exports link.
 */
export function findLink(text: string, from = 0): [number, number] | null {
  const lower = text.toLowerCase();
  let i = from;
  while (i < text.length) {
    const atLink = (lower.startsWith('https://', i) || lower.startsWith('http://', i)) && (i === 0 || !/[A-Za-z0-9]/.test(text[i - 1]));
    if (!atLink) {
      i++;
      continue;
    }
    let end = i;
    while (end < text.length && !/[\s<>"]/.test(text[end])) end++;
    let url = text.slice(i, end);
    while (url) {
      const c = url[url.length - 1];
      if (c === ')' && count(url, '(') >= count(url, ')')) break;
      if (!TRAILING.includes(c)) break;
      url = url.slice(0, -1);
    }
    if (url.length > url.indexOf('://') + 3) return [i, url.length];
    i = end;
  }
  return null;
}

function count(s: string, c: string): number {
  let n = 0;
  for (const x of s) if (x === c) n++;
  return n;
}

/** Only absolute http(s) addresses become links. */
export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** `text` as text nodes, its http(s) addresses as links (rel nofollow ugc noopener). */
export function linkified(text: string): Node[] {
  const out: Node[] = [];
  let at = 0;
  for (let l = findLink(text, 0); l; l = findLink(text, l[0] + l[1])) {
    const [start, len] = l;
    const url = text.slice(start, start + len);
    const href = safeHref(url);
    if (!href) continue;
    if (start > at) out.push(document.createTextNode(text.slice(at, start)));
    out.push(h('a', { href, rel: 'nofollow ugc noopener' }, url));
    at = start + len;
  }
  if (at < text.length || out.length === 0) out.push(document.createTextNode(text.slice(at)));
  return out;
}

/** A search snippet: plain parts as text, matched parts in <mark>. */
export function snippetNodes(parts: SnippetPart[]): Node[] {
  return parts.map((p) => (p.match ? h('mark', {}, p.text) : document.createTextNode(p.text)));
}
