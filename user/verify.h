/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Did the device reach the expected state? (DESIGN.md Job 1 step 1; the
 * keys are in docs/EXPERIMENT.md.)  A command whose exit status 0 means
 * yes, or an Android screenshot compared with a reference by SSIM.
 */
#ifndef IOTPROF_VERIFY_H
#define IOTPROF_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include "experiment.h"

/* Waits v->delay_s, then verifies.  Returns 0 when the check ran: *ok is
 * the verdict, *score 1/0 for a command, the SSIM for a screenshot (`why`
 * says why a check said no).  A negative errno means the check could not
 * run (command not found, timeout, adb missing, unreadable PNG, sizes that
 * differ), with `why`; the caller counts the iteration as failed.
 * VERIFY_NONE: *ok = true, *score = 1. */
int verify_run(const struct verify *v, bool *ok, double *score, char *why, size_t why_len);

/* Mean SSIM (Wang et al. 2004) of two PNG files taken to 8-bit grayscale:
 * 11x11 Gaussian window, sigma 1.5, C1 = (0.01*255)^2, C2 = (0.03*255)^2,
 * windows wholly inside the image, after the reference implementation's
 * downsampling by f = max(1, round(min(w, h) / 256)).  Images of different
 * sizes are an error (-EINVAL) naming both sizes. */
int ssim_png_files(const char *a, const char *b, double *ssim, char *why, size_t why_len);

/* The same on 8-bit grayscale buffers (w x h, rows contiguous). */
int ssim_gray(const unsigned char *a, const unsigned char *b, unsigned w, unsigned h,
	      double *ssim, char *why, size_t why_len);

#endif
