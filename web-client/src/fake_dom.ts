// A very small stand-in for `document`, enough for the DOM builders (dom.ts `h`) to run under
// Vitest in Node: elements, text nodes, attributes, and a serializer that escapes text, so a test
// can see exactly which elements were made. Test-only: nothing in the app imports it.

export class FakeNode {
  parentNode: FakeElement | null = null;
  childNodes: FakeNode[] = [];
  constructor(readonly nodeType: number) {}
  get firstChild(): FakeNode | null {
    return this.childNodes[0] ?? null;
  }
  get textContent(): string {
    return this.childNodes.map((c) => c.textContent).join('');
  }
  set textContent(text: string) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes = text ? [new FakeText(text)] : [];
  }
  appendChild(c: FakeNode): FakeNode {
    c.parentNode?.removeChild(c);
    c.parentNode = this as unknown as FakeElement;
    this.childNodes.push(c);
    return c;
  }
  append(...cs: (FakeNode | string)[]): void {
    for (const c of cs) this.appendChild(typeof c === 'string' ? new FakeText(c) : c);
  }
  removeChild(c: FakeNode): FakeNode {
    this.childNodes = this.childNodes.filter((x) => x !== c);
    c.parentNode = null;
    return c;
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }
}

export class FakeText extends FakeNode {
  constructor(public data: string) {
    super(3);
  }
  override get textContent(): string {
    return this.data;
  }
  override set textContent(text: string) {
    this.data = text;
  }
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export class FakeElement extends FakeNode {
  readonly tagName: string;
  readonly attributes = new Map<string, string>();
  hidden = false;
  readonly dataset: Record<string, string> = {};
  readonly style: Record<string, string> = {};
  constructor(tag: string) {
    super(1);
    this.tagName = tag.toUpperCase();
  }
  get childElementCount(): number {
    return this.children.length;
  }
  get firstElementChild(): FakeElement | null {
    return this.children[0] ?? null;
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }
  get children(): FakeElement[] {
    return this.childNodes.filter((c): c is FakeElement => c instanceof FakeElement);
  }
  get className(): string {
    return this.getAttribute('class') ?? '';
  }
  set className(v: string) {
    this.setAttribute('class', v);
  }
  get id(): string {
    return this.getAttribute('id') ?? '';
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name.toLowerCase(), String(value));
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name.toLowerCase()) ?? null;
  }
  hasAttribute(name: string): boolean {
    return this.attributes.has(name.toLowerCase());
  }
  addEventListener(): void {}
  hasClass(c: string): boolean {
    return this.className.split(/\s+/).includes(c);
  }
  /** Every element below this one, depth first. */
  descendants(): FakeElement[] {
    return this.children.flatMap((c) => [c, ...c.descendants()]);
  }
  /** Descendants with this tag (lower case) or, with a leading '#', '.' or '@', id, class or data-testid. */
  all(what: string): FakeElement[] {
    const test = (e: FakeElement) =>
      what.startsWith('#') ? e.id === what.slice(1) : what.startsWith('.') ? e.hasClass(what.slice(1)) : what.startsWith('@') ? e.getAttribute('data-testid') === what.slice(1) : e.tagName === what.toUpperCase();
    return this.descendants().filter(test);
  }
  one(what: string): FakeElement {
    const found = this.all(what);
    if (found.length === 0) throw new Error(`no ${what} in ${this.outerHTML}`);
    return found[0];
  }
  get outerHTML(): string {
    const tag = this.tagName.toLowerCase();
    const attrs = [...this.attributes].map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
    const inner = this.childNodes.map((c) => (c instanceof FakeElement ? c.outerHTML : escape(c.textContent))).join('');
    return `<${tag}${attrs}>${inner}</${tag}>`;
  }
}

/** Installs the fake as the global `document` (Vitest runs in Node). */
export function installFakeDom(): void {
  (globalThis as unknown as { document: unknown }).document = {
    createElement: (tag: string) => new FakeElement(tag),
    createTextNode: (text: string) => new FakeText(text),
  };
}

/** A node made by the app's builders, seen as the fake it is. */
export function fake(node: Node): FakeElement {
  return node as unknown as FakeElement;
}

/** Serializes a list of nodes (elements and text) like innerHTML would. */
export function html(nodes: Node[]): string {
  return nodes.map((n) => (n instanceof FakeElement ? n.outerHTML : escape((n as unknown as FakeNode).textContent))).join('');
}
