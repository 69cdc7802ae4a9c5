# The BPF suite in VMs on Debian's kernels (tools/vm/README.md).
#
#   make selftest-vm                 both kernels (6.1 and 6.12), side by side
#   make selftest-vm KERNEL=6.1      one kernel
#   make vm-bench                    docs/VERIFIER.md: verified instructions
#                                    and load time per program per kernel
#   make vm-kernels                  only fetch the kernels into the cache
#
# `make check` runs the same suite through selftests/test_vm.sh.

VM_KERNELS ?= 6.1 6.12
VM_SERIES  := $(if $(KERNEL),$(KERNEL),$(VM_KERNELS))
VM_ENV     := IOTPROF_BIN=$(CURDIR)/$(BUILD)

.PHONY: selftest-vm vm-bench vm-kernels

all: $(BUILD)/tools/vm/bpf_verify

$(BUILD)/tools/vm/bpf_verify: tools/vm/bpf_verify.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -lbpf -lelf -lz

selftest-vm: all
	tools/vm/vm-deps.sh
	$(VM_ENV) tools/vm/suite.sh $(VM_SERIES)

vm-bench: all
	tools/vm/vm-deps.sh
	$(VM_ENV) tools/vm/verifier-report.sh $(VM_SERIES) > docs/VERIFIER.md.tmp
	mv docs/VERIFIER.md.tmp docs/VERIFIER.md

vm-kernels:
	tools/vm/vm-deps.sh
	for k in $(VM_SERIES); do tools/vm/fetch-kernel.sh $$k || exit 1; done
