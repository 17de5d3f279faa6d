import { describe, expect, it } from 'vitest';
import type { Prompt } from '../../../main/core/contract';
import { PromptService } from '../../../main/services/prompt-service';

const ask = (hostId: string): Omit<Prompt, 'id'> => ({ hostId, kind: 'password', title: 'Password', message: `for ${hostId}` });

describe('PromptService', () => {
  it('asks as a typed request with an id and resolves with the answer', async () => {
    const prompts = new PromptService();
    const requested: Prompt[] = [];
    const closed: string[] = [];
    prompts.onRequest((p) => requested.push(p));
    prompts.onClosed((c) => closed.push(c.id));
    const answer = prompts.ask(ask('h1'));
    expect(requested).toHaveLength(1);
    expect(prompts.list()).toEqual(requested);
    prompts.answer(requested[0]!.id, { accept: true, values: ['secret'] });
    await expect(answer).resolves.toEqual({ accept: true, values: ['secret'] });
    expect(closed).toEqual([requested[0]!.id]);
    expect(prompts.list()).toEqual([]);
    expect(() => prompts.answer(requested[0]!.id, { accept: true })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('cancels through the signal and per host, rejecting with CANCELLED', async () => {
    const prompts = new PromptService();
    const abort = new AbortController();
    const a = prompts.ask(ask('h1'), abort.signal);
    const b = prompts.ask(ask('h2'));
    const c = prompts.ask(ask('h2'));
    abort.abort();
    await expect(a).rejects.toMatchObject({ code: 'CANCELLED' });
    prompts.cancelForHost('h2');
    await expect(b).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(c).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(prompts.list()).toEqual([]);
    const already = new AbortController();
    already.abort();
    await expect(prompts.ask(ask('h3'), already.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(prompts.list()).toEqual([]);
  });
});
