// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Verification: a command's exit status, or a screenshot against a
 * reference by SSIM.  SSIM follows Wang, Bovik, Sheikh and Simoncelli,
 * "Image quality assessment: from error visibility to structural
 * similarity" (IEEE TIP 2004) and its reference ssim.m: a Gaussian window,
 * 'valid' filtering, automatic downsampling, mean of the SSIM map.  The
 * downsampling makes phone screenshots cheap and forgiving of compression
 * noise while keeping layout changes visible.
 */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "interact.h"
#include "log.h"
#include "verify.h"

#define SSIM_WIN	11
#define SSIM_SIGMA	1.5
#define SSIM_MAX_PIXELS	(1u << 26)	/* 64 Mpixel: far above any phone screen */

static int png_gray_load(const char *path, unsigned char **px, unsigned *w, unsigned *h,
			 char *why, size_t why_len)
{
	static const png_color white = { 255, 255, 255 };
	png_image img = { .version = PNG_IMAGE_VERSION };
	unsigned char *buf = NULL;
	FILE *f;

	*px = NULL;
	f = fopen(path, "rb");
	if (!f) {
		int err = -errno;

		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return err;
	}
	if (!png_image_begin_read_from_stdio(&img, f)) {
		snprintf(why, why_len, "%s: not a PNG image (%s)", path, img.message);
		goto fail;
	}
	if (!img.width || !img.height || (unsigned long long)img.width * img.height > SSIM_MAX_PIXELS) {
		snprintf(why, why_len, "%s: %ux%u is too large", path, img.width, img.height);
		goto fail;
	}
	img.format = PNG_FORMAT_GRAY;
	buf = malloc(PNG_IMAGE_SIZE(img));
	if (!buf) {
		snprintf(why, why_len, "%s: out of memory", path);
		png_image_free(&img);
		fclose(f);
		return -ENOMEM;
	}
	/* transparent pixels are composited on white, as a screen shows them */
	if (!png_image_finish_read(&img, &white, buf, 0, NULL)) {
		snprintf(why, why_len, "%s: cannot decode (%s)", path, img.message);
		goto fail;
	}
	fclose(f);
	*px = buf;
	*w = img.width;
	*h = img.height;
	return 0;
fail:
	png_image_free(&img);
	free(buf);
	fclose(f);
	return -EINVAL;
}

/* Separable 'valid' filtering: out is (w-10) x (h-10). */
static void filter_valid(const double *in, unsigned w, unsigned h, const double *g,
			 double *tmp, double *out)
{
	unsigned ow = w - SSIM_WIN + 1, oh = h - SSIM_WIN + 1;

	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < ow; x++) {
			double s = 0;

			for (int k = 0; k < SSIM_WIN; k++)
				s += g[k] * in[(size_t)y * w + x + k];
			tmp[(size_t)y * ow + x] = s;
		}
	for (unsigned y = 0; y < oh; y++)
		for (unsigned x = 0; x < ow; x++) {
			double s = 0;

			for (int k = 0; k < SSIM_WIN; k++)
				s += g[k] * tmp[(size_t)(y + k) * ow + x];
			out[(size_t)y * ow + x] = s;
		}
}

/* Averages f x f blocks (ssim.m's downsampling; partial blocks dropped). */
static void downsample(const unsigned char *in, unsigned w, unsigned h, unsigned f, double *out)
{
	unsigned ow = w / f, oh = h / f;

	for (unsigned y = 0; y < oh; y++)
		for (unsigned x = 0; x < ow; x++) {
			double s = 0;

			for (unsigned dy = 0; dy < f; dy++)
				for (unsigned dx = 0; dx < f; dx++)
					s += in[(size_t)(y * f + dy) * w + x * f + dx];
			out[(size_t)y * ow + x] = s / (f * f);
		}
}

int ssim_gray(const unsigned char *a, const unsigned char *b, unsigned w, unsigned h,
	      double *ssim, char *why, size_t why_len)
{
	const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
	unsigned f, dw, dh, ow, oh;
	double g[SSIM_WIN], gsum = 0, sum = 0;
	double *x = NULL, *y = NULL, *prod = NULL, *tmp = NULL, *m[5] = {};
	size_t n, on;
	int err = 0;

	f = (unsigned)lround(fmin(w, h) / 256.0);
	if (f < 1)
		f = 1;
	dw = w / f;
	dh = h / f;
	if (dw < SSIM_WIN || dh < SSIM_WIN) {
		snprintf(why, why_len, "%ux%u is too small for SSIM (at least %dx%d)", w, h,
			 SSIM_WIN, SSIM_WIN);
		return -EINVAL;
	}
	n = (size_t)dw * dh;
	ow = dw - SSIM_WIN + 1;
	oh = dh - SSIM_WIN + 1;
	on = (size_t)ow * oh;
	x = malloc(n * sizeof(*x));
	y = malloc(n * sizeof(*y));
	prod = malloc(n * sizeof(*prod));
	tmp = malloc((size_t)ow * dh * sizeof(*tmp));
	for (int i = 0; i < 5; i++)
		m[i] = malloc(on * sizeof(double));
	if (!x || !y || !prod || !tmp || !m[0] || !m[1] || !m[2] || !m[3] || !m[4]) {
		snprintf(why, why_len, "out of memory for a %ux%u SSIM", w, h);
		err = -ENOMEM;
		goto cleanup;
	}
	for (int k = 0; k < SSIM_WIN; k++) {
		double d = k - SSIM_WIN / 2;

		g[k] = exp(-d * d / (2 * SSIM_SIGMA * SSIM_SIGMA));
		gsum += g[k];
	}
	for (int k = 0; k < SSIM_WIN; k++)
		g[k] /= gsum;	/* the 2-D window is g g^T, also of sum 1 */

	downsample(a, w, h, f, x);
	downsample(b, w, h, f, y);
	filter_valid(x, dw, dh, g, tmp, m[0]);		/* mu_x */
	filter_valid(y, dw, dh, g, tmp, m[1]);		/* mu_y */
	for (size_t i = 0; i < n; i++)
		prod[i] = x[i] * x[i];
	filter_valid(prod, dw, dh, g, tmp, m[2]);	/* E[x^2] */
	for (size_t i = 0; i < n; i++)
		prod[i] = y[i] * y[i];
	filter_valid(prod, dw, dh, g, tmp, m[3]);	/* E[y^2] */
	for (size_t i = 0; i < n; i++)
		prod[i] = x[i] * y[i];
	filter_valid(prod, dw, dh, g, tmp, m[4]);	/* E[xy] */
	for (size_t i = 0; i < on; i++) {
		double mx = m[0][i], my = m[1][i];
		double sxx = m[2][i] - mx * mx, syy = m[3][i] - my * my, sxy = m[4][i] - mx * my;

		sum += ((2 * mx * my + c1) * (2 * sxy + c2)) /
		       ((mx * mx + my * my + c1) * (sxx + syy + c2));
	}
	*ssim = sum / on;
cleanup:
	free(x);
	free(y);
	free(prod);
	free(tmp);
	for (int i = 0; i < 5; i++)
		free(m[i]);
	return err;
}

int ssim_png_files(const char *a, const char *b, double *ssim, char *why, size_t why_len)
{
	unsigned char *pa = NULL, *pb = NULL;
	unsigned wa, ha, wb, hb;
	int err;

	err = png_gray_load(a, &pa, &wa, &ha, why, why_len);
	if (!err)
		err = png_gray_load(b, &pb, &wb, &hb, why, why_len);
	if (!err && (wa != wb || ha != hb)) {
		snprintf(why, why_len, "%s is %ux%u but %s is %ux%u: SSIM needs equal sizes",
			 a, wa, ha, b, wb, hb);
		err = -EINVAL;
	}
	if (!err)
		err = ssim_gray(pa, pb, wa, ha, ssim, why, why_len);
	free(pa);
	free(pb);
	return err;
}

static int verify_screenshot(const struct verify *v, double deadline_s, bool *ok, double *score,
			     char *why, size_t why_len)
{
	const char *tmpdir = getenv("TMPDIR");
	char adb[PATH_MAX], shot[PATH_MAX], msg[512];
	char *argv[8];
	int fd, n = 0, err, status;

	err = adb_find(adb, sizeof(adb), why, why_len);
	if (err)
		return err;
	snprintf(shot, sizeof(shot), "%s/iotprof-screen-XXXXXX.png", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
	fd = mkstemps(shot, 4);
	if (fd < 0) {
		err = -errno;
		snprintf(why, why_len, "cannot create a temporary file for the screenshot: %s",
			 strerror(errno));
		return err;
	}
	argv[n++] = adb;
	if (v->serial[0]) {
		argv[n++] = "-s";
		argv[n++] = (char *)v->serial;
	}
	argv[n++] = "exec-out";
	argv[n++] = "screencap";
	argv[n++] = "-p";
	argv[n] = NULL;
	err = run_argv(argv, fd, deadline_s, &status, msg, sizeof(msg));
	close(fd);
	if (!err && status)
		err = -EIO;
	if (err) {
		snprintf(why, why_len, "adb exec-out screencap: %s", msg);
		goto cleanup;
	}
	err = ssim_png_files(shot, v->reference, score, msg, sizeof(msg));
	if (err) {
		snprintf(why, why_len, "screenshot: %s", msg);
		goto cleanup;
	}
	*ok = *score >= v->threshold;
	if (!*ok)
		snprintf(why, why_len, "the screen differs from %s: SSIM %.4f < threshold %.4g",
			 v->reference, *score, v->threshold);
cleanup:
	unlink(shot);
	return err;
}

int verify_run(const struct verify *v, bool *ok, double *score, char *why, size_t why_len)
{
	int err, status;

	*ok = false;
	*score = 0;
	if (why_len)
		why[0] = 0;
	if (v->kind == VERIFY_NONE) {
		*ok = true;
		*score = 1;
		return 0;
	}
	err = interact_sleep(v->delay_s);
	if (err) {
		snprintf(why, why_len, "interrupted before verifying");
		return err;
	}
	switch (v->kind) {
	case VERIFY_COMMAND:
		err = run_command(v->command, v->timeout_s, &status, why, why_len);
		if (err)
			return err;
		*ok = status == 0;
		*score = *ok;
		return 0;
	case VERIFY_SCREENSHOT:
		return verify_screenshot(v, v->timeout_s, ok, score, why, why_len);
	default:
		break;
	}
	snprintf(why, why_len, "unknown verify kind %d", v->kind);
	return -EINVAL;
}
