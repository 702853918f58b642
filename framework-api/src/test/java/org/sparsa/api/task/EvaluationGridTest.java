package org.sparsa.api.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The grid's order: lengths outermost, then depths, then repeats. */
class EvaluationGridTest {
    @Test
    void eachExampleBelongsToTheCellOfItsPlaceInTheSet() {
        EvaluationGrid grid = new EvaluationGrid(List.of(100, 400), List.of(0.0, 0.5, 1.0), 2);
        assertEquals(12, grid.size());
        List<String> cells = new ArrayList<>();
        for (int i = 0; i < grid.size(); i++) {
            cells.add(grid.lengthAt(i) + "@" + grid.depthAt(i));
        }
        assertEquals(List.of("100@0.0", "100@0.0", "100@0.5", "100@0.5", "100@1.0", "100@1.0",
                "400@0.0", "400@0.0", "400@0.5", "400@0.5", "400@1.0", "400@1.0"), cells);
    }

    @Test
    void anExampleOutsideTheGridIsRefused() {
        EvaluationGrid grid = new EvaluationGrid(List.of(100), List.of(0.5), 3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> grid.depthAt(3));
        assertTrue(e.getMessage().contains("example 3"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> grid.lengthAt(-1));
    }

    @Test
    void anEmptyGridIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EvaluationGrid(List.of(100), List.of(), 1));
        assertTrue(e.getMessage().contains("0 depths"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new EvaluationGrid(List.of(100), List.of(0.0), 0));
    }
}
