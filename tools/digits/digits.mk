# SPDX-License-Identifier: GPL-2.0
#
# tools/digits: the digits workload (tools/digits/README.md).  Included by
# the top-level Makefile after tools/tools.mk.  Debian's python3 with
# python3-numpy and python3-sklearn (scripts/packages.txt, make deps).
#
#   make digits-train    retrain; rewrites tools/digits/{digits,hidden,
#                        output}.snni, routes.txt, test-set.txt and the
#                        network files digits.snnet, digits-split.snnet
#                        (the same bytes: git diff shows nothing)
#   make digits-verify   every held-out image through snn-sim, single
#                        cluster and split, against the script's mirror
#   make demo            (sudo) the classifier on the emulated board in a
#                        VM, from nothing: scripts/demo.sh (IMAGES=N: the
#                        first N held-out images); also make digits-demo
#
#   $(B)/tools/digits-classify          the classifier (classify.c), on
#                                       the shared libsnndev with an rpath,
#                                       as snnctl (part of `make`)
#   $(B)/tools/digits-classify-static   the same on libsnndev.a, for the
#                                       busybox guest of the VM
#   $(B)/digits/ref-N/                  snn-sim's output spikes for the
#                                       first N held-out images (the VM
#                                       test's reference)

DIGITS_PY	:= /usr/bin/python3 tools/digits/train.py
DIGITS_CLASSIFY	:= $(B)/tools/digits-classify
DIGITS_CLASSIFY_STATIC := $(B)/tools/digits-classify-static
# images in the VM test's bit-exact comparison with snn-sim
DIGITS_REF_IMAGES ?= 40
DIGITS_REF	:= $(B)/digits/ref-$(DIGITS_REF_IMAGES)

.PHONY: digits-train digits-verify digits-ref demo digits-demo

digits-train: $(SNNCTL)
	@$(DIGITS_PY) --snnctl $(SNNCTL)

digits-verify: $(B)/host/snn-sim $(SNNCTL)
	@$(DIGITS_PY) --verify --snn-sim $(B)/host/snn-sim --snnctl $(SNNCTL)

ifneq ($(LIBSNNDEV_SO),)
TOOLS_HOST_TARGETS += $(DIGITS_CLASSIFY)
endif

$(DIGITS_CLASSIFY): tools/digits/classify.c tools/digits/digits_set.h \
		    libsnndev/snndev.h $(LIBSNNDEV_SO)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(LIBSNNDEV_CFLAGS) -o $@ $< $(LIBSNNDEV_LDLIBS) \
		$(LIBSNNDEV_RPATH) -lm

$(DIGITS_CLASSIFY_STATIC): tools/digits/classify.c tools/digits/digits_set.h \
			   libsnndev/snndev.h \
			   $(LIBSNNDEV_A)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(LIBSNNDEV_CFLAGS) -static -o $@ $< \
		$(LIBSNNDEV_STATIC_LDLIBS) -lpthread -lm

digits-ref: $(DIGITS_REF)/expected.txt

$(DIGITS_REF)/expected.txt: $(B)/host/snn-sim tools/digits/train.py \
			    tools/digits/digits.snni tools/digits/test-set.txt
	@mkdir -p $(@D)
	@$(DIGITS_PY) --reference $(@D) --images $(DIGITS_REF_IMAGES) \
		--snn-sim $(B)/host/snn-sim

demo digits-demo:
	@scripts/demo.sh $(IMAGES)

# host test of the command line, no device (make check-host)
$(B)/host/test-digits-classify: tools/digits/tests/test_classify.sh \
				$(DIGITS_CLASSIFY)
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

ifneq ($(LIBSNNDEV_SO),)
HOST_TEST_TARGETS += $(B)/host/test-digits-classify
endif
