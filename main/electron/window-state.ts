/**
 * The main window's size and position, remembered in a small JSON file in userData and restored only
 * where it is visible on one of the current displays (a monitor may have been unplugged since).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 800 } as const;
export const MIN_SIZE = { width: 720, height: 480 } as const;
/** How much of the window must overlap a display's work area for its position to be kept. */
const MIN_VISIBLE = { width: 160, height: 80 } as const;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e6;

export function parseWindowState(text: string): WindowState | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as { bounds?: Partial<Rect>; maximized?: unknown };
  const b = o.bounds;
  if (!b || !isInt(b.x) || !isInt(b.y) || !isInt(b.width) || !isInt(b.height)) return undefined;
  if (b.width <= 0 || b.height <= 0) return undefined;
  return {
    bounds: { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) },
    maximized: o.maximized === true,
  };
}

export function loadWindowState(file: string): WindowState | undefined {
  try {
    return parseWindowState(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/**
 * The bounds to open the window with: the saved ones if enough of them shows on a display (size capped to
 * that display's work area), else the saved size (capped to the primary display) with no position, so the
 * window manager centres it.
 */
export function restoreBounds(
  saved: WindowState | undefined,
  workAreas: readonly Rect[],
  primary: Rect | undefined,
): { width: number; height: number; x?: number; y?: number } {
  const cap = (size: { width: number; height: number }, area: Rect | undefined) => ({
    width: Math.max(MIN_SIZE.width, area ? Math.min(size.width, area.width) : size.width),
    height: Math.max(MIN_SIZE.height, area ? Math.min(size.height, area.height) : size.height),
  });
  if (!saved) return cap(DEFAULT_SIZE, primary);
  const b = saved.bounds;
  for (const area of workAreas) {
    const o = overlap(b, area);
    if (o.width >= Math.min(MIN_VISIBLE.width, b.width) && o.height >= Math.min(MIN_VISIBLE.height, b.height)) {
      const size = cap(b, area);
      // Keep the title bar reachable: the top edge inside the work area.
      const y = Math.min(Math.max(b.y, area.y), area.y + area.height - MIN_VISIBLE.height);
      const x = Math.min(Math.max(b.x, area.x - size.width + MIN_VISIBLE.width), area.x + area.width - MIN_VISIBLE.width);
      return { ...size, x, y };
    }
  }
  return cap(b, primary);
}

