/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Protocol numbers: vmlinux.h carries types but not the kernel's #defines. */
#ifndef IOTPROF_BPF_PROTO_H
#define IOTPROF_BPF_PROTO_H

#define ETH_HLEN        14
#define ETH_P_IP        0x0800
#define ETH_P_IPV6      0x86DD
#define ETH_P_8021Q     0x8100
#define ETH_P_8021AD    0x88A8

#define IP_MF           0x2000
#define IP_OFFSET       0x1FFF

#define NEXTHDR_HOP      0
#define NEXTHDR_TCP      6
#define NEXTHDR_UDP      17
#define NEXTHDR_ROUTING  43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH     51
#define NEXTHDR_NONE     59
#define NEXTHDR_DEST     60

#define PROTO_ICMP      1
#define PROTO_TCP       6
#define PROTO_UDP       17
#define PROTO_ICMPV6    58

#define TC_ACT_UNSPEC   (-1)
#define TC_ACT_OK       0
#define TC_ACT_SHOT     2

#endif
