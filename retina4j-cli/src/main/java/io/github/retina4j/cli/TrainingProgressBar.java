package io.github.retina4j.cli;

import io.github.retina4j.train.LossPoint;
import io.github.retina4j.train.TrainingProgress;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The trainer's progress as a console bar on standard error: iteration, loss, learning rate, throughput, ETA. */
public final class TrainingProgressBar implements TrainingProgress {

    private ProgressBar bar;

    @Override
    public void started(int fromIteration, int totalIterations) {
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(totalIterations)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUnit(" it", 1)
                .startsFrom(fromIteration, Duration.ZERO).build();
    }

    @Override
    public void iteration(LossPoint p, int totalIterations) {
        bar.stepTo(p.iteration());
        bar.setExtraMessage(String.format(" loss %.4f | lr %.2e | %.2f img/s", p.loss(), p.lr(), p.imagesPerSecond()));
    }

    @Override
    public void finished() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
