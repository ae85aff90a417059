// One clock for every thread of the generator, in milliseconds: a send timed in one worker and the
// recipient's `message` event timed in another must be comparable. performance.now() counts from its
// own thread's start; the offset, taken once per thread from process.hrtime (the process's monotonic
// clock, the one performance.now() reads too), moves it onto a shared origin and keeps its cheap reads.
// performance.timeOrigin would also do, but it is a wall-clock reading and could differ between
// threads started before and after a clock adjustment.
const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();

export const clock = () => performance.now() + offset;
