package org.sparsa.core.random;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * SplitMix64 (Steele, Lea and Flood, 2014): a random generator whose entire state is one
 * {@code long}, which {@link #state()} reads and {@link #ofState(long)} restores, so that a
 * checkpoint can store it and a resumed run continues the very same sequence.
 *
 * <p>Independent streams for each purpose of a run (data order, initialisation, dropout,
 * sampling) come from {@link #forPurpose(long, String)} or {@link #split(String)}: a stream's
 * seed is the run's seed mixed with a hash of the purpose's name, so adding a stream for a new
 * purpose leaves the others' values unchanged. The draws a trainer uses ({@code nextLong},
 * {@code nextInt}, {@code nextInt(bound)}, {@code nextDouble}, {@code nextFloat},
 * {@code nextBoolean}, {@code nextGaussian}) are defined in this class rather than inherited
 * from JDK defaults whose algorithm could change, so their values are the same on every JVM.
 * Not thread-safe: give each thread its own stream.
 */
public final class SplitMix64 implements RandomGenerator {
    /** The odd increment of the state: 2^64 divided by the golden ratio. */
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    private SplitMix64(long state) {
        this.state = state;
    }

    /** A stream seeded with {@code seed}. */
    public static SplitMix64 seeded(long seed) {
        return new SplitMix64(seed);
    }

    /**
     * The stream whose state is {@code state}, as {@link #state()} returned it: it draws exactly
     * what the stream that state was read from would have drawn next.
     */
    public static SplitMix64 ofState(long state) {
        return new SplitMix64(state);
    }

    /**
     * The stream for {@code purpose} (for example {@code "data"}) of a run seeded with
     * {@code seed}; streams of different purposes are statistically independent.
     */
    public static SplitMix64 forPurpose(long seed, String purpose) {
        return new SplitMix64(purposeSeed(seed, purpose));
    }

    /**
     * A new stream for {@code purpose} derived from this stream's current state, which does not
     * change: the same purpose from the same state gives the same stream, different purposes
     * give independent ones.
     */
    public SplitMix64 split(String purpose) {
        return forPurpose(state, purpose);
    }

    /** The whole state: {@link #ofState(long)} of it continues this stream exactly. */
    public long state() {
        return state;
    }

    @Override
    public long nextLong() {
        state += GAMMA;
        return mix(state);
    }

    @Override
    public int nextInt() {
        return (int) (nextLong() >>> 32);
    }

    /**
     * A uniform int in {@code [0, bound)}, by rejection so that every value is equally likely.
     *
     * @throws IllegalArgumentException if {@code bound} is not positive
     */
    @Override
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("nextInt: bound " + bound + " must be positive");
        }
        // Take 31 uniform bits; reject the top partial block so every residue is equally likely.
        while (true) {
            int bits = (int) (nextLong() >>> 33);
            int value = bits % bound;
            if (bits - value + (bound - 1) >= 0) {
                return value;
            }
        }
    }

    /** A uniform double in {@code [0, 1)} with 53 random bits. */
    @Override
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** A uniform float in {@code [0, 1)} with 24 random bits. */
    @Override
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    @Override
    public boolean nextBoolean() {
        return nextLong() < 0;
    }

    /**
     * A standard normal value by Box-Muller with {@link StrictMath}, one per call (the second
     * value of the pair is not kept, so the state stays a single long).
     */
    @Override
    public double nextGaussian() {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        double radius = StrictMath.sqrt(-2 * StrictMath.log(1 - nextDouble()));
        return radius * StrictMath.cos(2 * StrictMath.PI * nextDouble());
    }

    /** The seed of a purpose's stream: the seed mixed with a hash of the purpose's name. */
    static long purposeSeed(long seed, String purpose) {
        Objects.requireNonNull(purpose, "purpose");
        long hash = 0xcbf29ce484222325L; // FNV-1a 64 over the name's UTF-8 bytes
        for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return mix(seed ^ mix(hash));
    }

    /** SplitMix64's finaliser: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "SplitMix64(state " + Long.toUnsignedString(state, 16) + ")";
    }
}
