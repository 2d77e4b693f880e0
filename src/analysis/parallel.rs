//! Work split over the machine's cores for large designs, with results in input order, so the
//! output is the same whatever the number of threads.

/// Below this many items, one thread does it all: starting threads would cost more.
const PARALLEL_FROM: usize = 50_000;

/// How many threads to use for `items` items.
fn threads(items: usize) -> usize {
    if items < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(8)
    }
}

/// `(0..items).map(f).collect()`, in chunks on several threads when there are many items,
/// each thread writing its part of the result in place.
pub(crate) fn map<R: Send + Default + Clone>(items: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let threads = threads(items);
    if threads == 1 {
        return (0..items).map(f).collect();
    }
    let f = &f;
    let mut out = vec![R::default(); items];
    let chunk = items.div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = out
            .chunks_mut(chunk)
            .enumerate()
            .map(|(part, slots)| {
                scope.spawn(move || {
                    for (i, slot) in slots.iter_mut().enumerate() {
                        *slot = f(part * chunk + i);
                    }
                })
            })
            .collect();
        for part in parts {
            part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
    out
}

/// Runs `a` and `b`, on two threads when the work is large (`size` items).
pub(crate) fn join<A: Send, B: Send>(size: usize, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    if threads(size) == 1 {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let first = scope.spawn(a);
        let second = b();
        (
            first.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            second,
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_input_order_on_any_number_of_threads() {
        let doubled = super::map(200_000, |i| i as u32 * 2);
        assert!(doubled.iter().enumerate().all(|(i, &d)| d == 2 * i as u32));
        assert_eq!(super::join(200_000, || 1, || 2), (1, 2));
    }
}
