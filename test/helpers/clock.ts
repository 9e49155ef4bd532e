/**
 * Run `body` with `Date.now` under the test's control, so a limit measured in hours (the default polling
 * bound) can be crossed without waiting: `jump(ms)` moves the clock forward for everything that reads it.
 * The real clock is back when `body` settles, whatever it did.
 */
export async function withJumpingClock<T>(body: (jump: (ms: number) => void) => Promise<T>): Promise<T> {
  const realNow = Date.now;
  let skew = 0;
  Date.now = () => realNow() + skew;
  try {
    return await body((ms) => {
      skew += ms;
    });
  } finally {
    Date.now = realNow;
  }
}
