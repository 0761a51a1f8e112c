package io.github.retina4j.data.reader;

import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.leptonica.global.lept;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Loads, on the calling thread, the native libraries that turn an image file into an {@code INDArray}: ND4J's
 * backend, and the JavaCPP presets DataVec's {@code NativeImageLoader} and image transforms call into — javacv's
 * {@link OpenCVFrameConverter} (OpenCV core and OpenBLAS), OpenCV imgcodecs and imgproc, and Leptonica, the
 * fallback decoder for bytes OpenCV rejects.
 *
 * <p>Why: JavaCPP extracts a library into its cache folder under a file lock the first time its class is
 * initialised. An interrupt during that wait or copy aborts the class initialiser, and the JVM then refuses the
 * class for good ({@code NoClassDefFoundError} on every later use). Code that hands decoding to worker threads
 * calls {@link #load()} before it starts them, so no worker is ever the first to load a library.
 */
public final class NativeImageLibraries {
    /** Initialising these classes loads their libraries; order follows their dependencies. */
    private static final Class<?>[] CLASSES = {opencv_core.class, OpenCVFrameConverter.class, opencv_imgcodecs.class,
            opencv_imgproc.class, lept.class};

    private static volatile boolean loaded;

    private NativeImageLibraries() {
    }

    /**
     * Loads the libraries unless done before; thread-safe. A pending interrupt of the calling thread is held back
     * during the load (it would abort it, see the class comment) and restored afterwards.
     *
     * @throws IllegalStateException naming the library class that cannot be loaded
     */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (NativeImageLibraries.class) {
            if (loaded) {
                return;
            }
            boolean interrupted = Thread.interrupted();
            try {
                Nd4j.getBackend();
                for (Class<?> c : CLASSES) {
                    try {
                        Class.forName(c.getName(), true, c.getClassLoader());
                    } catch (ClassNotFoundException | LinkageError e) {
                        throw new IllegalStateException("cannot load the native library of " + c.getName() + ": " + e, e);
                    }
                }
                loaded = true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
