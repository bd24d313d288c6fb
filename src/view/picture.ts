// The picture: the photo with each object's outline as an SVG polygon in image pixels, so the browser
// does the scaling and the hit-testing (the topmost polygon under the pointer is the smallest object,
// because larger ones are drawn first). Outlines keep a constant on-screen width at any size.
import type { ViewObject } from './twin-model.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface Click {
  x: number;
  y: number;
  label: 0 | 1;
}

export interface PictureEvents {
  /** The object under the pointer changed (undefined: none); clientX/Y place the tooltip. */
  hover(id: number | undefined, clientX: number, clientY: number): void;
  /** A click at image pixel (x, y), on object `id` if any. */
  click(id: number | undefined, x: number, y: number, event: MouseEvent): void;
}

/** A distinct, stable colour per id (golden-angle hues), readable on photos. */
export function outlineColour(id: number): string {
  return `hsl(${Math.round((id * 137.508) % 360)} 90% 55%)`;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export class Picture {
  readonly element: SVGSVGElement;
  private readonly photo: SVGImageElement;
  private readonly outlines: SVGGElement;
  private readonly clicks: SVGGElement;
  private width = 1;
  private height = 1;
  private hovered: number | undefined;

  constructor(events: PictureEvents) {
    this.element = svg('svg', { id: 'picture', role: 'img', 'aria-label': 'The photo with each object outlined' });
    this.photo = svg('image', { x: 0, y: 0, preserveAspectRatio: 'none' });
    this.outlines = svg('g', { class: 'outlines' });
    this.clicks = svg('g', { class: 'clicks' });
    this.element.append(this.photo, this.outlines, this.clicks);
    const idAt = (e: Event): number | undefined => {
      const el = (e.target as Element | null)?.closest('[data-id]');
      return el ? Number(el.getAttribute('data-id')) : undefined;
    };
    this.element.addEventListener('pointermove', (e) => {
      const id = idAt(e);
      if (id !== this.hovered) this.setHover(id);
      events.hover(id, e.clientX, e.clientY);
    });
    this.element.addEventListener('pointerleave', (e) => {
      this.setHover(undefined);
      events.hover(undefined, e.clientX, e.clientY);
    });
    this.element.addEventListener('click', (e) => {
      const [x, y] = this.toImage(e.clientX, e.clientY);
      events.click(idAt(e), x, y, e);
    });
  }

  setPhoto(href: string, width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.element.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.photo.setAttribute('width', String(width));
    this.photo.setAttribute('height', String(height));
    this.photo.setAttribute('href', href);
  }

  /** Replaces the outlines (objects in drawing order: larger first). */
  drawObjects(objects: readonly ViewObject[]): void {
    this.outlines.replaceChildren(
      ...objects.map((o) =>
        svg('polygon', {
          'data-id': o.id,
          class: `outline ${o.level}`,
          points: o.outline.map(([x, y]) => `${x},${y}`).join(' '),
          stroke: outlineColour(o.id),
          fill: outlineColour(o.id),
        }),
      ),
    );
    this.setHover(this.hovered);
  }

  /** Marks the selected objects and the one that clicks refine. */
  markChosen(selected: ReadonlySet<number>, target: number | undefined): void {
    for (const el of this.outlines.children) {
      const id = Number(el.getAttribute('data-id'));
      el.classList.toggle('selected', selected.has(id));
      el.classList.toggle('target', id === target);
    }
  }

  /** The clicks sent for the object being refined: green for positive, red for negative. */
  drawClicks(clicks: readonly Click[]): void {
    const r = Math.max(3, Math.round(Math.max(this.width, this.height) / 120));
    this.clicks.replaceChildren(
      ...clicks.map((c) => svg('circle', { cx: c.x + 0.5, cy: c.y + 0.5, r, class: c.label === 1 ? 'positive' : 'negative' })),
    );
  }

  private setHover(id: number | undefined): void {
    this.hovered = id;
    for (const el of this.outlines.children) el.classList.toggle('hover', Number(el.getAttribute('data-id')) === id);
  }

  /** Client coordinates → integer image pixels, inside the image. */
  toImage(clientX: number, clientY: number): [number, number] {
    const box = this.element.getBoundingClientRect();
    const x = ((clientX - box.left) / Math.max(1, box.width)) * this.width;
    const y = ((clientY - box.top) / Math.max(1, box.height)) * this.height;
    const clamp = (v: number, hi: number) => Math.min(hi - 1, Math.max(0, Math.floor(v)));
    return [clamp(x, this.width), clamp(y, this.height)];
  }
}
