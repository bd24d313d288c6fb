// What GET /view/session.json carries: the wire format between `twinseg view` and the page it serves
// (src/view/standalone), declared once for both. Types only, so the browser bundle imports nothing here.

/** One get_mask call of a TWINSEG_TRACE file. */
export interface ViewTraceEntry {
  /** Line in the trace file, 1-based. */
  line: number;
  image: string;
  twin_id: string;
  ids: number[];
  op: string;
  /** Objects taken away from the result (get_mask's exclude). */
  exclude?: number[];
}

/** What the page shows first: a twin, or the trace's choices (the last one first). */
export interface ViewSession {
  twin_id?: string;
  trace?: ViewTraceEntry[];
}
