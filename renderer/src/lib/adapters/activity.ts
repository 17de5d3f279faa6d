import type { VmdeckApi } from '../../../../main/core/contract';
import type { ActivityState } from '../state/activity.svelte';

export function bindActivity(api: VmdeckApi, activity: ActivityState, onError: (e: unknown) => void): () => void {
  const off = api.on('activity.added', (r) => activity.add(r));
  api['activity.list']().then((list) => activity.load(list), onError);
  return off;
}
