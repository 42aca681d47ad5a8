package vep_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/internal/vep"
)

func TestGenerateDemo(t *testing.T) {
	rig := testrig.New(t)
	ps := rig.App.Services
	ctx := context.Background()
	if err := demo.Platform(1)(ctx, ps, rand.New(rand.NewPCG(1, 2)), 1, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if err := vep.GenerateDemo(ctx, ps, rand.New(rand.NewPCG(1, 3)), 1, func(string) {}); err != nil {
		t.Fatal(err)
	}
	page := rig.Anonymous(t).GetBody(t, "/vep/states/USA")
	if !strings.Contains(page, "Equities Review Board") {
		t.Error("the US policy is not shown")
	}
	if page := rig.Anonymous(t).GetBody(t, "/vep/reports"); !strings.Contains(page, "Estonia") || !strings.Contains(page, "France") {
		t.Error("the demo reports are not published")
	}
}
