# tools/simhome: the simulated smart home (docs/SIMHOME.md).  Included by the
# top Makefile; builds $(BUILD)/tools/simhome/simhome-sim, which the
# tools/simhome/simhome script runs.

SIMHOME_SRCS := $(wildcard tools/simhome/*.c)
SIMHOME_OBJS := $(SIMHOME_SRCS:tools/simhome/%.c=$(BUILD)/tools/simhome/%.o)
SIMHOME_BIN  := $(BUILD)/tools/simhome/simhome-sim
# Only the library modules it uses: Flow IDs, the tree walk, DNS type names.
SIMHOME_LIBS := $(filter %/flowid.o %/tree.o %/tree_json.o %/app_json.o %/addr.o %/log.o,$(LIB_OBJS))

all: $(SIMHOME_BIN)

$(BUILD)/tools/simhome:
	mkdir -p $@

$(BUILD)/tools/simhome/%.o: tools/simhome/%.c $(wildcard tools/simhome/*.h) $(wildcard user/*.h) \
		include/iotprof_abi.h | $(BUILD)/tools/simhome
	$(CC) $(CFLAGS) -Itools/simhome -c $< -o $@

$(SIMHOME_BIN): $(SIMHOME_OBJS) $(SIMHOME_LIBS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lssl -lcrypto -lpthread
