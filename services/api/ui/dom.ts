/**
 * Building the pages' DOM without innerHTML: names and URLs come from the API, so every text goes in as a text
 * node. No style attributes either (the Content-Security-Policy has no 'unsafe-inline'): sizes and positions
 * are set through the CSSOM (element.style.left), which the policy allows.
 */
export type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'style') throw new Error('style attributes are refused by the page CSP; use element.style');
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Element, children: Child[]): void {
  for (const child of children)
    if (child !== null && child !== undefined && child !== false)
      parent.append(child instanceof Node ? child : String(child));
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes))
    if (value !== undefined && value !== false) element.setAttribute(name, String(value));
  return element;
}

/** A table from a header row and data rows; each row may carry data-* attributes for tests and scripts. */
export function table(
  headers: string[],
  rows: Array<{ cells: Child[]; attributes?: Attributes }>,
  attributes: Attributes = {},
): HTMLTableElement {
  return h(
    'table',
    attributes,
    h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, ...rows.map((row) => h('tr', row.attributes ?? {}, ...row.cells.map((cell) => h('td', {}, cell))))),
  );
}
