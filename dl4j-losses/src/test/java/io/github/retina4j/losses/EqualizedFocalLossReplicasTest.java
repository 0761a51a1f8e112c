package io.github.retina4j.losses;

import static io.github.retina4j.testsupport.Close.assertArrayClose;
import static io.github.retina4j.losses.TestSupport.maskColumn;
import static io.github.retina4j.losses.TestSupport.randomMask;
import static io.github.retina4j.losses.TestSupport.randomOneHot;
import static io.github.retina4j.losses.TestSupport.to2d;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link EqualizedFocalLoss#combineRounds}: replicas on parts of a minibatch track one loss on the whole of it. */
@DoublePrecision
class EqualizedFocalLossReplicasTest {

    private static final int C = 5;
    private static final int A = 30;

    /** One step's inputs for images [from, to) of a 4-image batch (rows n·A + a). */
    private record Part(INDArray y, INDArray x, INDArray mask) {
        static Part of(Batch b, int from, int to) {
            return new Part(rows(b.y, from, to), rows(b.x, from, to), rows(b.mask, from, to));
        }

        private static INDArray rows(INDArray a, int from, int to) {
            return a.get(NDArrayIndex.interval((long) from * A, (long) to * A), NDArrayIndex.all()).dup();
        }

        void trainStep(EqualizedFocalLoss loss) {
            loss.computeGradient(y, x, new ActivationIdentity(), mask);
        }
    }

    private record Batch(INDArray y, INDArray x, INDArray mask) {
        /** Four images; images 0–1 have many more positives than images 2–3 (their normalisers differ). */
        static Batch random(long seed, DataType type) {
            INDArray y = to2d(randomOneHot(4, C, A, seed));
            // thin out the positives of images 2 and 3
            for (long r = 2L * A; r < 4L * A; r++) {
                if (r % 3 != 0) {
                    y.getRow(r).assign(0);
                }
            }
            Nd4j.getRandom().setSeed(seed);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 4L * A, C).subi(0.5).muli(6);
            INDArray mask = maskColumn(randomMask(seed + 1, 4, A));
            return new Batch(y.castTo(type), x.castTo(type), mask.castTo(type));
        }

        Part whole() {
            return new Part(y, x, mask);
        }
    }

    @Test
    void twoReplicasOnHalvesTrackOneLossOnTheWholeBatchStepAfterStep() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            EqualizedFocalLoss single = new EqualizedFocalLoss(C);
            EqualizedFocalLoss a = new EqualizedFocalLoss(C);
            EqualizedFocalLoss b = new EqualizedFocalLoss(C);
            EqualizedFocalLoss uncombinedA = new EqualizedFocalLoss(C);
            for (int step = 0; step < 4; step++) {
                Batch batch = Batch.random(100 + step, type);
                batch.whole().trainStep(single);
                Part.of(batch, 0, 2).trainStep(a);
                Part.of(batch, 2, 4).trainStep(b);
                Part.of(batch, 0, 2).trainStep(uncombinedA);
                assertEquals(1, a.roundSteps());
                EqualizedFocalLoss.combineRounds(List.of(a, b));
                assertEquals(0, a.roundSteps());
                String what = type + " step " + step;
                // float: the losses sum |G| of float gradients, whose rounding depends on the normaliser
                double tol = type == DataType.DOUBLE ? 1e-12 : 1e-6;
                assertSameStatistics(single, a, tol, what);
                assertArrayEquals(a.getPosGrad(), b.getPosGrad(), what + ": replicas leave with the same state");
                assertArrayEquals(a.getPosNeg(), b.getPosNeg(), what);
            }
            // without combination a replica sees only its half: its statistics are not the whole batch's
            double diff = Nd4j.createFromArray(single.getPosNeg()).sub(Nd4j.createFromArray(uncombinedA.getPosNeg()))
                    .amaxNumber().doubleValue();
            assertTrue(diff > 1e-3, "an uncombined replica's posNeg differs by " + diff);
        }
    }

    @Test
    void roundsShippedAsRecordsMergeLikeReplicas() {
        // Spark: executors send their rounds to the driver, whose loss (the broadcast state) merges them
        Batch batch = Batch.random(9, DataType.DOUBLE);
        EqualizedFocalLoss single = new EqualizedFocalLoss(C);
        batch.whole().trainStep(single);
        EqualizedFocalLoss driver = new EqualizedFocalLoss(C);
        EqualizedFocalLoss a = (EqualizedFocalLoss) jsonCopy(driver);
        EqualizedFocalLoss b = (EqualizedFocalLoss) jsonCopy(driver);
        Part.of(batch, 0, 2).trainStep(a);
        Part.of(batch, 2, 4).trainStep(b);
        driver.mergeRounds(List.of(a.takeRound(), b.takeRound()));
        assertEquals(null, a.takeRound(), "a round is taken once");
        assertSameStatistics(single, driver, 1e-12, "driver");
    }

    /** posGrad, negGrad and posNeg of {@code actual} within {@code tol} (relative) of {@code expected}'s. */
    private static void assertSameStatistics(EqualizedFocalLoss expected, EqualizedFocalLoss actual, double tol, String what) {
        assertArrayClose(Nd4j.createFromArray(expected.getPosGrad()), Nd4j.createFromArray(actual.getPosGrad()), tol, what + " posGrad");
        assertArrayClose(Nd4j.createFromArray(expected.getNegGrad()), Nd4j.createFromArray(actual.getNegGrad()), tol, what + " negGrad");
        assertArrayClose(Nd4j.createFromArray(expected.getPosNeg()), Nd4j.createFromArray(actual.getPosNeg()), tol, what + " posNeg");
    }

    private static org.nd4j.linalg.lossfunctions.ILossFunction jsonCopy(EqualizedFocalLoss loss) {
        return TestSupport.jsonRoundTrip(loss, C);
    }

    @Test
    void summingTheReplicasNormalisedStatisticsAsEodDoesIsNotTheWholeBatch() {
        // EOD all-reduces Σ|G| of each GPU's own normalised loss; with unequal N_pos that weights the replicas
        // differently from one loss on the whole batch, which is why combineRounds renormalises.
        Batch batch = Batch.random(7, DataType.DOUBLE);
        EqualizedFocalLoss single = new EqualizedFocalLoss(C);
        batch.whole().trainStep(single);
        EqualizedFocalLoss a = new EqualizedFocalLoss(C);
        EqualizedFocalLoss b = new EqualizedFocalLoss(C);
        Part.of(batch, 0, 2).trainStep(a);
        Part.of(batch, 2, 4).trainStep(b);
        double[] summed = new double[C];
        for (int j = 0; j < C; j++) {
            summed[j] = a.getPosGrad()[j] + b.getPosGrad()[j];
        }
        double rel = Nd4j.createFromArray(summed).sub(Nd4j.createFromArray(single.getPosGrad())).amaxNumber().doubleValue()
                / Nd4j.createFromArray(single.getPosGrad()).amaxNumber().doubleValue();
        assertTrue(rel > 0.05, "plain sum differs by " + rel + " (relative)");
        EqualizedFocalLoss.combineRounds(List.of(a, b));
        assertArrayClose(Nd4j.createFromArray(single.getPosGrad()), Nd4j.createFromArray(a.getPosGrad()), 1e-12, "combined");
    }

    @Test
    void aReplicaWithoutStepsAndAFrozenRoundAreHandled() {
        Batch batch = Batch.random(3, DataType.DOUBLE);
        EqualizedFocalLoss single = new EqualizedFocalLoss(C);
        Part.of(batch, 0, 2).trainStep(single);
        EqualizedFocalLoss a = new EqualizedFocalLoss(C);
        EqualizedFocalLoss idle = new EqualizedFocalLoss(C);
        Part.of(batch, 0, 2).trainStep(a);
        EqualizedFocalLoss.combineRounds(List.of(a, idle));
        assertArrayClose(Nd4j.createFromArray(single.getPosGrad()), Nd4j.createFromArray(idle.getPosGrad()), 1e-12,
                "an idle replica receives the others' round");
        assertArrayClose(Nd4j.createFromArray(single.getPosNeg()), Nd4j.createFromArray(a.getPosNeg()), 1e-12, "posNeg");
    }

    @Test
    void replicasThatStartedFromDifferentStatisticsAreRejected() {
        EqualizedFocalLoss a = new EqualizedFocalLoss(C);
        EqualizedFocalLoss b = new EqualizedFocalLoss(C);
        Batch batch = Batch.random(5, DataType.DOUBLE);
        batch.whole().trainStep(a);
        EqualizedFocalLoss.combineRounds(List.of(a));
        // b never saw a's first round: it is not a replica of a
        Part.of(batch, 0, 2).trainStep(a);
        Part.of(batch, 2, 4).trainStep(b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EqualizedFocalLoss.combineRounds(List.of(a, b)));
        assertTrue(e.getMessage().contains("same statistics"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> EqualizedFocalLoss.combineRounds(List.of(new EqualizedFocalLoss(C), new EqualizedFocalLoss(0.5, 2, 8, C))));
    }
}
