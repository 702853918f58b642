package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Single-quote shell quoting, checked by the strings bash reads back. */
class ShellQuoteTest {
    private static final List<String> TRICKY = List.of("plain", "", "two words", "it's",
            "'", "''", "a\"b", "$HOME `id` $(id) \\n *.yaml ~ {a,b} !x",
            "model.attention={\"id\": \"nsa\", 'config': {window: 32}}", "line\nbreak", "-x");

    @Test
    void quotesInSingleQuotesAndEscapesSingleQuotes() {
        assertEquals("'a b'", ShellQuote.quote("a b"));
        assertEquals("''", ShellQuote.quote(""));
        assertEquals("'it'\\''s'", ShellQuote.quote("it's"));
        assertEquals("'$x'", ShellQuote.quote("$x"));
    }

    @Test
    void leavesPlainWordsAsTheyAre() {
        assertEquals("runs/tiny-sweep/submit.sh", ShellQuote.asWord("runs/tiny-sweep/submit.sh"));
        assertEquals("stages.0.lr=0.001", ShellQuote.asWord("stages.0.lr=0.001"));
        assertEquals("'my runs/submit.sh'", ShellQuote.asWord("my runs/submit.sh"));
        assertEquals("''", ShellQuote.asWord(""));
        assertEquals("'~/x'", ShellQuote.asWord("~/x"));
    }

    @Test
    void bashReadsEveryQuotedWordBackExactly() throws Exception {
        assumeTrue(Bash.available(), "bash is not installed");
        StringBuilder script = new StringBuilder("printf '%s\\0'");
        for (String text : TRICKY) {
            script.append(' ').append(ShellQuote.quote(text));
            script.append(' ').append(ShellQuote.asWord(text));
        }
        Process process = new ProcessBuilder("bash", "-c", script.toString()).start();
        String printed = new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor());
        StringBuilder expected = new StringBuilder();
        for (String text : TRICKY) {
            expected.append(text).append('\0').append(text).append('\0');
        }
        assertEquals(expected.toString(), printed);
    }
}
