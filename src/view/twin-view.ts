// The view's state and what each gesture does to it. Select mode: a click selects an object, a
// modifier-click (Shift, Ctrl or ⌘) adds or removes one. Point mode: a click is a positive point and a
// modifier-click (Shift, Alt, Ctrl or ⌘) a negative one; each click calls `segment` through the host,
// on the object being refined (or to add one), and the view moves to the revision the reply names.
import { describeObject, nextSelection, objectsAtLevel, type LevelMode } from './choices.js';
import type { HostLink } from './host-link.js';
import { Picture, type Click } from './picture.js';
import { parseTwin, type Alternative, type ToolNews, type ViewTwin } from './twin-model.js';

type Mode = 'select' | 'points';

const HELP: Record<Mode, string> = {
  select: 'Hover to see an object; click to select it, Shift-click to add or remove one.',
  points: 'Click to add what is under the pointer (positive point); Shift- or Alt-click on what leaked in (negative point).',
};

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

export class TwinView {
  private twin: ViewTwin | undefined;
  private level: LevelMode = 'wholes';
  private mode: Mode = 'select';
  private selected = new Set<number>();
  /** The object that point-mode clicks refine; none: the next positive click adds one. */
  private target: number | undefined;
  private clicks: Click[] = [];
  private alternatives: Alternative[] = [];
  private busy = false;
  private readonly picture: Picture;
  private readonly tip = $<HTMLDivElement>('tip');

  constructor(private readonly link: HostLink) {
    this.picture = new Picture({
      hover: (id, x, y) => this.showTip(id, x, y),
      click: (id, x, y, e) => void this.onClick(id, x, y, e),
    });
    $('stage').prepend(this.picture.element);
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-level]')) {
      b.addEventListener('click', () => this.setLevel(b.dataset.level as LevelMode));
    }
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-mode]')) {
      b.addEventListener('click', () => this.setMode(b.dataset.mode as Mode));
    }
    $('new-object').addEventListener('click', () => this.refine(undefined));
    $('send').addEventListener('click', () => void this.send());
    this.setMode('select');
  }

  /**
   * Shows what a tool result names: its twin, its objects selected, its alternatives offered. `clicks`:
   * the points already sent for the reply's object (none for a result the host passes in).
   */
  async showNews(news: ToolNews, opts: { clicks?: Click[]; fallback?: { twin: unknown; picture?: string } } = {}): Promise<void> {
    const { fallback } = opts;
    await this.task(async () => {
      let twin: ViewTwin;
      let photo: string;
      try {
        twin = await this.link.twin(news.twinId);
        photo = await this.link.photo(twin);
      } catch (e) {
        // A host that relays no resource reads: the reply's own compact twin (boxes, no outlines) and picture.
        if (!fallback?.picture || fallback.twin === undefined) throw e;
        twin = parseTwin(fallback.twin);
        photo = fallback.picture;
      }
      this.twin = twin;
      this.picture.setPhoto(photo, twin.width, twin.height);
      this.selected = new Set(news.ids.filter((id) => twin.objects.some((o) => o.id === id)));
      this.clicks = opts.clicks ?? [];
      this.target = news.object ?? (this.selected.size === 1 ? [...this.selected][0] : undefined);
      this.alternatives = news.alternatives;
      this.render();
      this.status(news.headline ?? `Showing twin ${twin.id}.`);
    });
  }

  status(text: string, error = false): void {
    const el = $('status');
    el.textContent = text;
    el.classList.toggle('error', error);
  }

  private setLevel(level: LevelMode): void {
    this.level = level;
    this.render();
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    document.body.classList.toggle('points', mode === 'points');
    $('help').textContent = HELP[mode];
    this.render();
  }

  private refine(id: number | undefined): void {
    this.target = id;
    this.clicks = [];
    this.alternatives = [];
    this.render();
  }

  private render(): void {
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-level]'))
      b.setAttribute('aria-pressed', String(b.dataset.level === this.level));
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-mode]'))
      b.setAttribute('aria-pressed', String(b.dataset.mode === this.mode));
    const twin = this.twin;
    if (twin) {
      $('twin-id').textContent = `Twin ${twin.id}`;
      $('change').textContent = twin.change ? `revision of ${twin.parent ?? twin.base}: ${twin.change}` : `${twin.objects.length} objects`;
      const shown = new Set([...this.selected, ...(this.target !== undefined ? [this.target] : [])]);
      this.picture.drawObjects(objectsAtLevel(twin, this.level, shown));
      this.picture.markChosen(this.selected, this.target);
    }
    this.picture.drawClicks(this.mode === 'points' ? this.clicks : []);
    const send = $<HTMLButtonElement>('send');
    send.disabled = this.busy || this.selected.size === 0;
    send.textContent = this.selected.size ? `Send ${[...this.selected].map((id) => `#${id}`).join(', ')}` : 'Send selection';
    $<HTMLButtonElement>('new-object').hidden = this.mode !== 'points' || this.target === undefined;
    $('target').textContent =
      this.mode !== 'points' ? '' : this.target === undefined ? 'The next click adds an object.' : `Clicks refine object #${this.target}.`;
    this.renderAlternatives();
  }

  private renderAlternatives(): void {
    const list = $('alternative-list');
    list.replaceChildren(
      ...this.alternatives.map((a) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.dataset.alternative = String(a.alternative);
        const iou = a.predictedIou !== undefined ? `, IoU ${a.predictedIou.toFixed(2)}` : '';
        b.textContent = `${a.granularity}: ${a.area.toLocaleString('en-US')} px${iou}`;
        b.disabled = this.busy;
        b.addEventListener('click', () => void this.takeAlternative(a.alternative));
        return b;
      }),
    );
    $('alternatives').hidden = this.alternatives.length === 0 || this.target === undefined;
  }

  private showTip(id: number | undefined, clientX: number, clientY: number): void {
    const o = id === undefined ? undefined : this.twin?.objects.find((x) => x.id === id);
    this.tip.hidden = !o;
    if (!o) return;
    this.tip.textContent = describeObject(o);
    const stage = $('stage').getBoundingClientRect();
    const left = Math.min(clientX - stage.left + 12, Math.max(0, stage.width - this.tip.offsetWidth));
    this.tip.style.left = `${left}px`;
    this.tip.style.top = `${clientY - stage.top + 14}px`;
  }

  private async onClick(id: number | undefined, x: number, y: number, e: MouseEvent): Promise<void> {
    if (!this.twin || this.busy) return;
    if (this.mode === 'select') {
      if (id === undefined) return;
      this.selected = nextSelection(this.selected, id, e.shiftKey || e.ctrlKey || e.metaKey);
      // A single chosen object is the one point mode refines next.
      this.target = this.selected.size === 1 ? [...this.selected][0] : undefined;
      this.clicks = [];
      this.alternatives = [];
      this.render();
      return;
    }
    const label: 0 | 1 = e.shiftKey || e.altKey || e.ctrlKey || e.metaKey ? 0 : 1;
    if (label === 0 && this.target === undefined) {
      this.status('Start with a plain click on the object; a negative click then removes what leaked in.', true);
      return;
    }
    const point = { x, y, label };
    const args =
      this.target === undefined
        ? { twin_id: this.twin.id, points: [point] }
        : { twin_id: this.twin.id, object: this.target, points: [point] };
    await this.callSegment(args, this.target === undefined ? [point] : [...this.clicks, point]);
  }

  private async takeAlternative(alternative: number): Promise<void> {
    if (!this.twin || this.target === undefined || this.busy) return;
    await this.callSegment({ twin_id: this.twin.id, object: this.target, alternative }, this.clicks);
  }

  /** Calls `segment` and moves to the revision it names; `clicks` are the object's points after the call. */
  private async callSegment(args: Record<string, unknown>, clicks: Click[]): Promise<void> {
    if (!this.link.can('call')) {
      this.status('This host does not let views call tools, so clicks cannot refine here.', true);
      return;
    }
    this.status('Segmenting…');
    let news: ToolNews | undefined;
    await this.task(async () => {
      news = await this.link.segment(args);
    });
    if (news) await this.showNews(news, { clicks });
  }

  private async send(): Promise<void> {
    const twin = this.twin;
    if (!twin || this.selected.size === 0) return;
    const ids = [...this.selected];
    await this.task(async () => this.status(await this.link.sendSelection(twin, ids)));
  }

  /** Runs one host round trip at a time; a failure lands in the status line, never as an exception. */
  private async task(fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    document.body.classList.add('busy');
    this.render();
    try {
      await fn();
    } catch (e) {
      this.status(e instanceof Error ? e.message : String(e), true);
    } finally {
      this.busy = false;
      document.body.classList.remove('busy');
      this.render();
    }
  }
}
