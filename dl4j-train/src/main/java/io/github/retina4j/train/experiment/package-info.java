/**
 * Experiments: a grid of named methods × seeds trained and evaluated on one dataset, resumably
 * ({@link io.github.retina4j.train.experiment.ExperimentRunner}), with a registry of methods as overrides of the training
 * recipe or evaluation-only variants of another method's models ({@link io.github.retina4j.train.experiment.Methods}),
 * one record per run ({@link io.github.retina4j.train.experiment.RunRecord}) and the statistics over seeds
 * ({@link io.github.retina4j.train.experiment.ExperimentSummary}).
 */
package io.github.retina4j.train.experiment;
