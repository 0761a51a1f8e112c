package io.github.retina4j.cli;

/** A sub-command needs a part of Retina4j that this build does not contain yet. */
public final class NotAvailableException extends RuntimeException {
    public NotAvailableException(String what) {
        super(what + " is not available yet in this build");
    }
}
