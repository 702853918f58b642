package org.sparsa.core.task.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Filler text of a bounded length with a needle sentence inserted at a chosen depth, for the
 * long-context retrieval tasks. The filler is cut into sentences and repeated whole, so the
 * text reads naturally and the needle always sits between two sentences.
 *
 * @param text the filler with the needle in it
 * @param needleOffset the index in {@code text} where the needle starts
 */
record Haystack(String text, int needleOffset) {

    /**
     * The longest text, at most {@code length} characters, made of whole sentences of
     * {@code filler} repeated, with {@code needle} inserted at the sentence boundary nearest
     * {@code depth} (0: first, 1: last) of the filler. Its length is more than {@code length}
     * minus the longest filler sentence. The caller checks that the needle fits.
     */
    static Haystack build(List<String> sentences, int length, String needle, double depth) {
        String inserted = needle + " ";
        int budget = length - inserted.length();
        List<String> units = new ArrayList<>();
        int used = 0;
        for (int i = 0; ; i++) {
            String sentence = sentences.get(i % sentences.size());
            if (used + sentence.length() > budget) {
                break;
            }
            units.add(sentence);
            used += sentence.length();
        }
        double target = depth * used;
        int at = 0;
        int offset = 0;
        int best = 0;
        int bestUnits = 0;
        // Walks the boundaries 0, after unit 1, ... and keeps the one nearest the target.
        while (true) {
            if (Math.abs(offset - target) < Math.abs(best - target)) {
                best = offset;
                bestUnits = at;
            }
            if (at == units.size()) {
                break;
            }
            offset += units.get(at).length();
            at++;
        }
        StringBuilder text = new StringBuilder(used + inserted.length());
        for (int i = 0; i < bestUnits; i++) {
            text.append(units.get(i));
        }
        text.append(inserted);
        for (int i = bestUnits; i < units.size(); i++) {
            text.append(units.get(i));
        }
        return new Haystack(text.toString().stripTrailing(), best);
    }

    /** {@code filler} cut after each sentence end ({@code .!?} then white space), spaces kept. */
    static List<String> sentences(String filler) {
        String normalized = filler.strip().replaceAll("\\s+", " ") + " ";
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < normalized.length() - 1; i++) {
            char c = normalized.charAt(i);
            if ((c == '.' || c == '!' || c == '?') && normalized.charAt(i + 1) == ' ') {
                out.add(normalized.substring(start, i + 2));
                start = i + 2;
            }
        }
        if (start < normalized.length()) {
            out.add(normalized.substring(start));
        }
        return out;
    }

    /** The length of the longest of {@code sentences}. */
    static int longest(List<String> sentences) {
        return sentences.stream().mapToInt(String::length).max().orElse(0);
    }
}
