package io.github.retina4j.models.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class WarmupStepScheduleTest {

    private final WarmupStepSchedule s = new WarmupStepSchedule(0.01, 500, 0.001, new int[] {11000, 8000}, 0.1);

    @Test
    void followsMmdetLinearWarmupAndSteps() {
        // mmdet: lr = base * (1 - (1 - i/W) * (1 - ratio))
        assertEquals(0.01 * 0.001, s.valueAt(0, 0), 1e-15);
        assertEquals(0.01 * (1 - 0.5 * 0.999), s.valueAt(250, 0), 1e-15);
        assertEquals(0.01, s.valueAt(500, 1), 1e-15);
        assertEquals(0.01, s.valueAt(7999, 7), 1e-15);
        assertEquals(0.001, s.valueAt(8000, 8), 1e-15);
        assertEquals(0.0001, s.valueAt(11000, 11), 1e-15);
    }

    @Test
    void serialisesInTheGraphJsonFormat() throws Exception {
        ObjectMapper m = new ObjectMapper();
        String json = m.writeValueAsString(s);
        ISchedule back = m.readValue(json, ISchedule.class);
        assertEquals(s, back);
    }

    @Test
    void rejectsBadValues() {
        assertThrows(IllegalArgumentException.class, () -> new WarmupStepSchedule(0, 1, 0.1, null, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new WarmupStepSchedule(0.1, 1, 0, null, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new WarmupStepSchedule(0.1, 1, 0.1, new int[] {0}, 0.1));
    }
}
