package io.github.retina4j.examples.training;

/** One line of the per-iteration training log ({@code train-log.jsonl}). */
public record LossPoint(int iteration, int epoch, double loss, double lr, double imagesPerSecond, double gradNorm) {
}
