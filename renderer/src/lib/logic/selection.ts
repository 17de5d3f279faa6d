/** Multi-selection over an ordered list of keys, like a file manager: click, ctrl/cmd-click, shift-click. */
export interface SelectionState {
  selected: ReadonlySet<string>;
  anchor: string | null;
  /** The row with keyboard focus (the "current" row). */
  focus: string | null;
}

export interface ClickModifiers {
  shift?: boolean;
  toggle?: boolean; // ctrl or cmd
}

export function clickSelect(state: SelectionState, order: readonly string[], key: string, mods: ClickModifiers): SelectionState {
  if (mods.shift && state.anchor !== null) {
    const a = order.indexOf(state.anchor);
    const b = order.indexOf(key);
    if (a >= 0 && b >= 0) {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const range = order.slice(lo, hi + 1);
      const selected = new Set(mods.toggle ? [...state.selected, ...range] : range);
      return { selected, anchor: state.anchor, focus: key };
    }
  }
  if (mods.toggle) {
    const selected = new Set(state.selected);
    if (selected.has(key)) selected.delete(key);
    else selected.add(key);
    return { selected, anchor: key, focus: key };
  }
  return { selected: new Set([key]), anchor: key, focus: key };
}

/** Drops keys that no longer exist (guest removed); keeps anchor/focus only when still present. */
export function pruneSelection(state: SelectionState, exists: (key: string) => boolean): SelectionState {
  const selected = new Set([...state.selected].filter(exists));
  return {
    selected,
    anchor: state.anchor !== null && exists(state.anchor) ? state.anchor : null,
    focus: state.focus !== null && exists(state.focus) ? state.focus : null,
  };
}
