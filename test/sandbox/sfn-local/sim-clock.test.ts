import { describe, expect, it } from 'vitest';
import {
  ClockBusyDriverError,
  ClockStalledError,
  ClockStepLimitError,
  SimClock,
} from '../../../sandbox/sfn-local/sim-clock';

const START = '2026-03-01T10:00:00.000Z';
const at = (iso: string): Date => new Date(iso);

describe('SimClock', () => {
  it('jumps to each timer in order, timers due at the same time in registration order', async () => {
    const clock = new SimClock({ start: START });
    const fired: string[] = [];
    void clock.sleep(60).then(() => fired.push(`b ${clock.now().toISOString()}`));
    void clock.sleep(30).then(() => fired.push(`a ${clock.now().toISOString()}`));
    void clock.sleep(60).then(() => fired.push(`c ${clock.now().toISOString()}`));

    const started = performance.now();
    const result = await clock.settle();

    expect(fired).toEqual([
      'a 2026-03-01T10:00:30.000Z',
      'b 2026-03-01T10:01:00.000Z',
      'c 2026-03-01T10:01:00.000Z',
    ]);
    expect(result).toEqual({ steps: 3, now: at('2026-03-01T10:01:00.000Z') });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('lets no time pass while tracked work is busy', async () => {
    const clock = new SimClock({ start: START });
    const seen: string[] = [];
    void clock.sleep(10).then(() => seen.push(`timer at ${clock.now().toISOString()}`));
    void clock.track(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      seen.push(`work done at ${clock.now().toISOString()}`);
    });

    await clock.settle();

    expect(seen).toEqual(['work done at 2026-03-01T10:00:00.000Z', 'timer at 2026-03-01T10:00:10.000Z']);
  });

  it('does not count tracked work as busy while it sleeps on the clock', async () => {
    const clock = new SimClock({ start: START });
    const done = clock.track(async () => {
      await clock.sleep(3600);
      return clock.now().toISOString();
    });

    await clock.settle();

    await expect(done).resolves.toBe('2026-03-01T11:00:00.000Z');
  });

  it('settles only up to `until`, and advanceTo moves the time there', async () => {
    const clock = new SimClock({ start: START });
    const fired: number[] = [];
    for (const minutes of [5, 20, 90]) void clock.sleep(minutes * 60).then(() => fired.push(minutes));

    await clock.settle({ until: at('2026-03-01T10:30:00.000Z') });
    expect(fired).toEqual([5, 20]);
    expect(clock.now()).toEqual(at('2026-03-01T10:20:00.000Z'));
    expect(clock.pendingTimers().map((timer) => timer.at)).toEqual([at('2026-03-01T11:30:00.000Z')]);

    await clock.advanceTo(at('2026-03-01T11:00:00.000Z'));
    expect(clock.now()).toEqual(at('2026-03-01T11:00:00.000Z'));
    expect(fired).toEqual([5, 20]);
    await expect(clock.advanceTo(at(START))).rejects.toThrow(RangeError);
  });

  it('cancels a sleep through its signal', async () => {
    const clock = new SimClock({ start: START });
    const controller = new AbortController();
    const sleeping = clock.sleep(60, { signal: controller.signal, label: 'nap' });
    expect(clock.pendingTimers().map((timer) => timer.label)).toEqual(['nap']);

    controller.abort(new Error('woken'));

    await expect(sleeping).rejects.toThrow('woken');
    expect(clock.pendingTimers()).toEqual([]);
  });

  it('gives up on work that stays busy instead of hanging, naming it', async () => {
    const clock = new SimClock({ start: START, stallTimeoutMs: 50 });
    void clock.track(new Promise(() => undefined), 'stuck handler');

    await expect(clock.settle()).rejects.toThrow(ClockStalledError);
    await expect(new SimClock({ stallTimeoutMs: 50 }).settle()).resolves.toMatchObject({ steps: 0 });
  });

  it('stops a runaway loop of timers at maxSteps', async () => {
    const clock = new SimClock({ start: START });
    const loop = async (): Promise<void> => {
      await clock.sleep(1);
      return loop();
    };
    void loop();

    await expect(clock.settle({ maxSteps: 20 })).rejects.toThrow(ClockStepLimitError);
  });

  it('refuses a second driver while one runs', async () => {
    const clock = new SimClock({ start: START });
    const auto = clock.autoAdvance();
    expect(() => clock.autoAdvance()).toThrow(ClockBusyDriverError);
    await auto.stop();
  });

  it('advances on its own in auto-advance mode, including timers added later', async () => {
    const clock = new SimClock({ start: START });
    const auto = clock.autoAdvance();

    await clock.sleep(7200);
    expect(clock.now()).toEqual(at('2026-03-01T12:00:00.000Z'));
    await clock.sleep(60);
    expect(clock.now()).toEqual(at('2026-03-01T12:01:00.000Z'));

    await auto.stop();
  });
});
