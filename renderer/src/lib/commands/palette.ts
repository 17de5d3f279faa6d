/**
 * The command palette's search over the registry: app commands by title, guest commands with a guest argument
 * ("pause alpha", "console web", "shut be"), and plain guest names ("alpha": go to it). Matching is fuzzy (prefix,
 * word start, substring, subsequence); among equal matches, recently used guests and commands come first.
 */
import type { Command, GuestTarget } from './registry';

export interface PaletteEntry {
  id: string;
  group: string;
  label: string;
  hint?: string;
  disabled: boolean;
  command?: Command;
  /** The guest argument, for guest commands and "go to". */
  target?: GuestTarget;
}

export interface PaletteInput {
  commands: readonly Command[];
  guests: readonly GuestTarget[];
  /** The guests selected now: guest commands without an argument apply to them. */
  selection: readonly GuestTarget[];
  /** Most recent first. */
  recentGuests?: readonly string[];
  recentCommands?: readonly string[];
  /** How a guest is described in hints ("kvm1 · Running"). */
  describe?: (g: GuestTarget) => string;
  limit?: number;
}

/** 0 best .. 3 worst; -1 no match. */
export function fuzzyScore(text: string, query: string): number {
  const l = text.toLowerCase();
  const q = query.toLowerCase();
  if (q === '') return 0;
  if (l.startsWith(q)) return 0;
  if (l.includes(' ' + q) || l.includes('-' + q) || l.includes('.' + q) || l.includes('_' + q)) return 1;
  if (l.includes(q)) return 2;
  let j = 0;
  for (let i = 0; i < l.length && j < q.length; i++) if (l[i] === q[j]) j++;
  return j === q.length ? 3 : -1;
}

/** How well the head of a query names a command (title or alias, by prefix of its words); -1 none. */
function commandScore(c: Command, head: string): number {
  const names = [c.title, ...(c.aliases ?? [])].map((n) => n.toLowerCase());
  let best = -1;
  for (const n of names) {
    if (n === head) return 0;
    if (n.startsWith(head)) best = best < 0 ? 1 : Math.min(best, 1);
    else if (n.split(/\s+/).some((w) => w.startsWith(head))) best = best < 0 ? 2 : Math.min(best, 2);
  }
  return best;
}

interface Scored {
  entry: PaletteEntry;
  score: number;
  recent: number;
}

export function searchPalette(input: PaletteInput, query: string): PaletteEntry[] {
  const limit = input.limit ?? 60;
  const recentG = new Map((input.recentGuests ?? []).map((k, i) => [k, i]));
  const recentC = new Map((input.recentCommands ?? []).map((k, i) => [k, i]));
  const describe = input.describe ?? ((g: GuestTarget) => g.hostName);
  const q = query.trim().replace(/\s+/g, ' ').toLowerCase();
  const out: Scored[] = [];
  const guestEntry = (c: Command, g: GuestTarget, score: number, recent: number) =>
    out.push({
      entry: { id: `${c.id}:${g.key}`, group: c.group, label: `${c.title} ${g.name}`, hint: describe(g), disabled: !c.enabled([g]), command: c, target: g },
      score,
      recent,
    });
  const rank = (key: string | undefined, id: string) => Math.min(key !== undefined ? (recentG.get(key) ?? 1e6) : 1e6, recentC.get(id) ?? 1e6);

  if (q === '') {
    // Recent commands first, then the selection's guest commands, then everything else without an argument.
    for (const c of input.commands) {
      if (c.guests) {
        const sel = input.selection;
        if (sel.length === 0) continue;
        const label = sel.length === 1 ? `${c.title} ${sel[0]!.name}` : `${c.title} ${sel.length} selected guests`;
        out.push({ entry: { id: `${c.id}:sel`, group: c.group, label, hint: sel.length === 1 ? describe(sel[0]!) : undefined, disabled: !c.enabled(sel), command: c }, score: 1, recent: recentC.get(c.id) ?? 1e6 });
      } else {
        out.push({ entry: { id: c.id, group: c.group, label: c.title, disabled: !c.enabled([]), command: c }, score: 2, recent: recentC.get(c.id) ?? 1e6 });
      }
    }
    for (const g of input.guests) {
      const r = recentG.get(g.key);
      if (r !== undefined) out.push({ entry: { id: `go:${g.key}`, group: 'Guest', label: g.name, hint: describe(g), disabled: false, target: g }, score: 0, recent: r });
    }
  } else {
    const words = q.split(' ');
    for (const c of input.commands) {
      if (!c.guests) {
        const s = fuzzyScore(c.title, q);
        const a = (c.aliases ?? []).map((x) => fuzzyScore(x, q)).filter((x) => x >= 0);
        const best = Math.min(...[s, ...a].filter((x) => x >= 0), 99);
        if (best < 99) out.push({ entry: { id: c.id, group: c.group, label: c.title, disabled: !c.enabled([]), command: c }, score: best, recent: rank(undefined, c.id) });
        continue;
      }
      // Split the query into a command part and a guest part at every word boundary.
      for (let i = 1; i <= words.length; i++) {
        const head = words.slice(0, i).join(' ');
        const cs = commandScore(c, head);
        if (cs < 0) continue;
        const tail = words.slice(i).join(' ');
        if (tail === '') {
          for (const g of input.selection) guestEntry(c, g, cs + 0.5, rank(g.key, c.id));
          continue;
        }
        for (const g of input.guests) {
          const gs = fuzzyScore(g.name, tail);
          if (gs >= 0) guestEntry(c, g, cs + gs, rank(g.key, c.id));
        }
      }
    }
    for (const g of input.guests) {
      const s = fuzzyScore(g.name, q);
      if (s >= 0) out.push({ entry: { id: `go:${g.key}`, group: 'Guest', label: g.name, hint: describe(g), disabled: false, target: g }, score: s + 0.25, recent: recentG.get(g.key) ?? 1e6 });
    }
  }
  // One entry per id (a command can match through several splits): keep the best.
  const best = new Map<string, Scored>();
  for (const s of out) {
    const cur = best.get(s.entry.id);
    if (!cur || s.score < cur.score) best.set(s.entry.id, s);
  }
  return [...best.values()]
    .sort((a, b) => a.score - b.score || a.recent - b.recent || Number(a.entry.disabled) - Number(b.entry.disabled) || a.entry.label.length - b.entry.label.length || a.entry.label.localeCompare(b.entry.label))
    .slice(0, limit)
    .map((s) => s.entry);
}
