# SPDX-License-Identifier: GPL-2.0
#
# Neuron engine host build, included by the top-level Makefile (which sets
# B, CC and HOST_CFLAGS; paths are relative to the top directory).
#
#   $(B)/host/libsnnengine.a      engine + image writer, for host tools
#   $(B)/host/snn-sim             run an image on the host
#   $(B)/host/snn-mkimg           text description -> image
#   $(B)/host/test-engine         unit tests, TAP (ASan/UBSan if available)
#   $(B)/host/test-engine-tools   snn-mkimg/snn-sim end-to-end tests, TAP
#   make bench-engine             build with -O2 and run the benchmark
#
# The QEMU board model compiles snn_engine.c itself (snn_engine_qemu.c
# includes qemu/osdep.h, then engine/snn_engine.c); it needs driver/ on the
# include path for snn_hw.h.

ENGINE_DIR	:= qemu-model/engine
ENGINE_OBJ	:= $(B)/host/engine
ENGINE_CPPFLAGS	:= -I$(ENGINE_DIR) -Idriver
ENGINE_CFLAGS	 = $(HOST_CFLAGS) -Wundef -Wtype-limits $(ENGINE_CPPFLAGS)

# Unit tests run under ASan + UBSan when the compiler can link them.
ENGINE_SAN	:= $(shell printf 'int main(void){return 0;}\n' | \
		   $(CC) -fsanitize=address,undefined -x c - \
		   -o /dev/null >/dev/null 2>&1 && \
		   echo -fsanitize=address,undefined \
		   -fno-sanitize-recover=undefined -fno-omit-frame-pointer)

ENGINE_HDRS	:= $(wildcard $(ENGINE_DIR)/*.h) driver/snn_hw.h
ENGINE_LIB	:= $(B)/host/libsnnengine.a
ENGINE_HOST_TARGETS := $(ENGINE_LIB) $(B)/host/snn-sim $(B)/host/snn-mkimg
ENGINE_TEST_TARGETS := $(B)/host/test-engine $(B)/host/test-engine-tools

$(ENGINE_OBJ)/%.o: $(ENGINE_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(ENGINE_CFLAGS) -MMD -MP -c $< -o $@

$(ENGINE_LIB): $(ENGINE_OBJ)/snn_engine.o $(ENGINE_OBJ)/snn_img_write.o
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/host/snn-sim: $(ENGINE_OBJ)/snn_sim.o $(ENGINE_OBJ)/snn_tool.o \
		   $(ENGINE_LIB)
	$(CC) $(ENGINE_CFLAGS) -o $@ $^

$(B)/host/snn-mkimg: $(ENGINE_OBJ)/snn_mkimg.o $(ENGINE_OBJ)/snn_tool.o \
		     $(ENGINE_LIB)
	$(CC) $(ENGINE_CFLAGS) -o $@ $^

# The test includes snn_engine.c itself (allocation failure injection).
$(B)/host/test-engine: $(ENGINE_DIR)/tests/test_engine.c \
		       $(ENGINE_DIR)/snn_img_write.c \
		       $(ENGINE_DIR)/snn_engine.c $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ENGINE_CFLAGS) -O1 -g $(ENGINE_SAN) -o $@ \
		$(ENGINE_DIR)/tests/test_engine.c $(ENGINE_DIR)/snn_img_write.c

$(B)/host/test-engine-tools: $(ENGINE_DIR)/tests/test_tools.sh \
			     $(B)/host/snn-sim $(B)/host/snn-mkimg
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

$(B)/host/bench-engine: $(ENGINE_DIR)/bench_engine.c \
			$(ENGINE_DIR)/snn_engine.c \
			$(ENGINE_DIR)/snn_img_write.c $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ENGINE_CFLAGS) -O2 -DNDEBUG -o $@ $(filter %.c,$^)

bench-engine: $(B)/host/bench-engine
	$(B)/host/bench-engine

-include $(wildcard $(ENGINE_OBJ)/*.d)
