/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snndev network image writer: builds the little-endian SNN_IMG_* image
 * (driver/snn_hw.h) in memory.  Plain C99, libc only: used by snn-mkimg,
 * the engine tests and the in-guest tests.
 *
 * The writer only checks that each value fits the width of its field; it
 * does not validate the network (snn_net_load() does), so tests can author
 * deliberately bad images.
 */
#ifndef SNN_IMG_WRITE_H
#define SNN_IMG_WRITE_H

#include <stddef.h>
#include <stdint.h>

struct snn_img_writer;

/* NULL if out of memory or a value does not fit its 16-bit field. */
struct snn_img_writer *snn_img_writer_new(unsigned int n_cores,
					  unsigned int neurons_per_core,
					  unsigned int axons_per_core);
void snn_img_writer_free(struct snn_img_writer *w);

/*
 * Append one record.  Return the record's index within its section, or -1
 * if a value does not fit its field or memory ran out.  Profiles are
 * numbered in the order they are added.
 */
int snn_img_add_profile(struct snn_img_writer *w, unsigned int du,
			unsigned int dv, unsigned int vth, int bias_mant,
			int bias_exp);
/* flags: SNN_NEURON_*; outq and bias_mant are written as given. */
int snn_img_add_neuron(struct snn_img_writer *w, unsigned int core,
		       unsigned int index, unsigned int profile,
		       unsigned int flags, unsigned int outq, int bias_mant);
int snn_img_add_synapse(struct snn_img_writer *w, unsigned int core,
			unsigned int axon, unsigned int neuron, int weight);
int snn_img_add_fanout(struct snn_img_writer *w, unsigned int src_core,
		       unsigned int src_neuron, unsigned int dst_core,
		       unsigned int dst_axon);

/* The image in a malloc()ed buffer (free() it); NULL if out of memory. */
void *snn_img_writer_build(const struct snn_img_writer *w, size_t *len);

/* Which part of an image a byte offset (e.g. snn_img_error.offset) is in. */
enum snn_img_section {
	SNN_IMG_SEC_HEADER,
	SNN_IMG_SEC_PROFILE,
	SNN_IMG_SEC_NEURON,
	SNN_IMG_SEC_SYNAPSE,
	SNN_IMG_SEC_FANOUT,
	SNN_IMG_SEC_NONE,	/* beyond the records the header describes */
};

/*
 * Locate off using the counts in img's header (which must be at least
 * SNN_IMG_HDR_SIZE bytes, else SNN_IMG_SEC_NONE); *index is the record
 * index within the section (0 for the header).
 */
enum snn_img_section snn_img_locate(const void *img, size_t len,
				    uint32_t off, uint32_t *index);
const char *snn_img_section_name(enum snn_img_section s);

#endif /* SNN_IMG_WRITE_H */
